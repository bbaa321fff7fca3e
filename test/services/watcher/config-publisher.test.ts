/**
 * The configuration publisher on a real Redis with real files: the lock that keeps one
 * publisher active across watchers, the record of rejected edits and the verdicts it queues
 * for the evaluator (the ConfigRejected alert), and how fast a valid edit reaches a service.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { followConfigChanges } from '../../../libs/config-sync.js';
import { createQueue, createRedis, type ConfigObservationBatch } from '../../../libs/queues/index.js';
import { REDIS_KEYS } from '../../../libs/redis-keys.js';
import { startConfigPublisher, type ConfigPublisher, type ConfigPublisherOptions } from '../../../services/watcher/config-publisher.js';
import { eventually, isolatedRedisUrl } from '../../support/infra.js';

/** Short, so takeovers happen within a test: renewed every 500 ms, standbys retry every 500 ms. */
const LOCK_TTL_MS = 1_500;
const INVALID_INTERVAL = 'checks[0].interval: expected a duration like "30s", got "thirty" (line 2)';

const configWith = (...ids: string[]) => `checks:\n${ids.map((id) => `  - { id: ${id}, type: tcp, host: 127.0.0.1, port: 1 }`).join('\n')}\n`;
const invalidConfig = 'checks:\n  - { id: a, type: tcp, host: 127.0.0.1, port: 1, interval: thirty }\n';

let dir: string;
let redisUrl: string;
let redis: Redis;
let logLines: Array<{ level: number; msg: string }>;
const cleanups: Array<() => Promise<void> | void> = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-config-publisher-'));
  // A database per test: no test sees another's lock, configuration or queue.
  redisUrl = await isolatedRedisUrl();
  redis = createRedis(redisUrl);
  logLines = [];
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  redis.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

function configFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Each publisher gets its own connection, as on its own host. */
async function publisher(path: string, overrides: Partial<ConfigPublisherOptions> = {}): Promise<ConfigPublisher> {
  const connection = createRedis(redisUrl);
  const log = pino({ level: 'info' }, { write: (line: string) => { logLines.push(JSON.parse(line)); } });
  const started = await startConfigPublisher({ path, redis: connection, log, lockTtlMs: LOCK_TTL_MS, debounceMs: 50, env: {}, ...overrides });
  cleanups.push(async () => {
    await started.close();
    connection.disconnect();
  });
  return started;
}

async function configObservations(): Promise<ConfigObservationBatch[]> {
  const results = createQueue('results', redis);
  try {
    const jobs = await results.getJobs(['waiting']);
    return jobs
      .sort((a, b) => a.timestamp - b.timestamp)
      .map((job) => job.data)
      .filter((batch): batch is ConfigObservationBatch => batch.source === 'config');
  } finally {
    await results.close();
  }
}

const publishedText = () => redis.hget(REDIS_KEYS.config, 'text');
const publishedVersion = async () => Number(await redis.hget(REDIS_KEYS.config, 'version'));

describe('one active publisher', () => {
  it('publishes from one watcher only; the other stands by', async () => {
    const first = await publisher(configFile('host-a.yaml', configWith('from-a')));
    const second = await publisher(configFile('host-b.yaml', configWith('from-b')));

    expect(first.active).toBe(true);
    expect(second.active).toBe(false);
    expect(await publishedText()).toBe(configWith('from-a'));
    expect(await publishedVersion()).toBe(1);
    expect(await redis.get(REDIS_KEYS.configPublisherLock)).toMatch(/^.+:\d+:[0-9a-f]{8}$/);
    expect(logLines.map((line) => line.msg)).toContain('configuration publisher standing by: another watcher publishes');
  });

  it('hands over to the standby when the active one closes, and the standby publishes a later edit', async () => {
    const path = configFile('vigil.yaml', configWith('a'));
    const first = await publisher(path);
    const second = await publisher(path);
    expect(second.active).toBe(false);

    await first.close();
    await eventually('the standby took over', () => second.active || undefined, 5_000, 50);
    // Same file, already published: taking over is not an edit.
    expect(await publishedVersion()).toBe(1);

    writeFileSync(path, configWith('a', 'b'));
    await eventually('the edit published', async () => (await publishedText()) === configWith('a', 'b') || undefined, 5_000, 50);
    expect(await publishedVersion()).toBe(2);
  });

  it('takes over a lock left by a publisher that died once it expires', async () => {
    await redis.set(REDIS_KEYS.configPublisherLock, 'gone-host:1:deadbeef', 'PX', LOCK_TTL_MS);
    const path = configFile('vigil.yaml', configWith('a'));
    const survivor = await publisher(path);
    expect(survivor.active).toBe(false);
    expect(await publishedText()).toBeNull();

    await eventually('the survivor took over', () => survivor.active || undefined, 5_000, 50);
    await eventually('the survivor published its file', async () => (await publishedText()) === configWith('a') || undefined, 5_000, 50);
  });

  it('stops watching when another watcher holds the lock, and says so', async () => {
    const path = configFile('vigil.yaml', configWith('a'));
    const active = await publisher(path);
    expect(active.active).toBe(true);

    // As if this publisher had stalled past its TTL and another had taken the lock.
    await redis.set(REDIS_KEYS.configPublisherLock, 'other-host:2:cafebabe', 'PX', 60_000);
    await eventually('the publisher stood down', () => !active.active || undefined, 5_000, 50);
    expect(logLines).toContainEqual(expect.objectContaining({ msg: 'configuration publisher lock lost to another watcher; stopped watching, standing by', holder: 'other-host:2:cafebabe' }));
  });

  it('releases the lock when it closes', async () => {
    const active = await publisher(configFile('vigil.yaml', configWith('a')));
    await active.close();
    expect(await redis.get(REDIS_KEYS.configPublisherLock)).toBeNull();
  });
});

describe('rejected edits', () => {
  it('keeps vigil:config, records the rejection and queues a rejected observation naming path and reason', async () => {
    const path = configFile('vigil.yaml', configWith('a'));
    await publisher(path);
    const before = await redis.hgetall(REDIS_KEYS.config);

    writeFileSync(path, invalidConfig);
    const rejected = await eventually('the rejection recorded', async () => {
      const stored = await redis.hgetall(REDIS_KEYS.configRejected);
      return stored.sha ? stored : undefined;
    }, 5_000, 50);

    expect(await redis.hgetall(REDIS_KEYS.config)).toEqual(before);
    expect(rejected).toMatchObject({ source: path, atMs: expect.stringMatching(/^\d+$/) });
    expect(JSON.parse(rejected.problems!)).toEqual([INVALID_INTERVAL]);
    const observations = await eventually('a rejected observation', async () => {
      const all = await configObservations();
      return all.some((batch) => !batch.accepted) ? all : undefined;
    }, 5_000, 50);
    expect(observations.at(-1)).toEqual({ source: 'config', configSource: path, atMs: Number(rejected.atMs), sha: rejected.sha, accepted: false, problems: [INVALID_INTERVAL] });
  });

  it('clears the rejection and queues an accepted observation on the next valid edit', async () => {
    const path = configFile('vigil.yaml', configWith('a'));
    await publisher(path);
    writeFileSync(path, invalidConfig);
    await eventually('the rejection recorded', async () => (await redis.exists(REDIS_KEYS.configRejected)) === 1 || undefined, 5_000, 50);

    writeFileSync(path, configWith('a', 'b'));
    await eventually('the edit published', async () => (await publishedText()) === configWith('a', 'b') || undefined, 5_000, 50);
    expect(await redis.exists(REDIS_KEYS.configRejected)).toBe(0);
    const verdicts = await eventually('three verdicts', async () => {
      const all = await configObservations();
      return all.length === 3 ? all : undefined;
    }, 5_000, 50);
    expect(verdicts.map((batch) => batch.accepted)).toEqual([true, false, true]);
    expect(verdicts[2]).toMatchObject({ configSource: path, accepted: true, sha: await redis.hget(REDIS_KEYS.config, 'sha') });
    expect(verdicts[2]!.problems).toBeUndefined();
  });

  it('clears the rejection when the file goes back to the running configuration', async () => {
    const path = configFile('vigil.yaml', configWith('a'));
    await publisher(path);
    writeFileSync(path, invalidConfig);
    await eventually('the rejection recorded', async () => (await redis.exists(REDIS_KEYS.configRejected)) === 1 || undefined, 5_000, 50);

    writeFileSync(path, configWith('a'));
    await eventually('the rejection cleared', async () => (await redis.exists(REDIS_KEYS.configRejected)) === 0 || undefined, 5_000, 50);
    expect(await publishedVersion()).toBe(1);
    await eventually('an accepted observation', async () => (await configObservations()).at(-1)?.accepted === true || undefined, 5_000, 50);
  });

  it('reports the same invalid text again after a valid edit in between', async () => {
    const path = configFile('vigil.yaml', configWith('a'));
    await publisher(path);
    for (const text of [invalidConfig, configWith('b'), invalidConfig]) {
      writeFileSync(path, text);
      await eventually('the edit judged', async () => (await redis.exists(REDIS_KEYS.configRejected)) === (text === invalidConfig ? 1 : 0) || undefined, 5_000, 50);
    }
    const verdicts = await eventually('four verdicts', async () => {
      const all = await configObservations();
      return all.length === 4 ? all : undefined;
    }, 5_000, 50);
    expect(verdicts.map((batch) => batch.accepted)).toEqual([true, false, true, false]);
  });
});

describe('versions', () => {
  it('counts accepted edits and stamps when each was accepted', async () => {
    const path = configFile('vigil.yaml', configWith('a'));
    await publisher(path);
    expect(await publishedVersion()).toBe(1);

    const edits = [configWith('a', 'b'), invalidConfig, configWith('c')];
    const versions: number[] = [];
    for (const text of edits) {
      writeFileSync(path, text);
      if (text === invalidConfig) {
        await eventually('the rejection recorded', async () => (await redis.exists(REDIS_KEYS.configRejected)) === 1 || undefined, 5_000, 50);
      } else {
        await eventually('the edit published', async () => (await publishedText()) === text || undefined, 5_000, 50);
      }
      versions.push(await publishedVersion());
    }
    expect(versions).toEqual([2, 2, 3]);
    const acceptedAt = Date.parse((await redis.hget(REDIS_KEYS.config, 'acceptedAt'))!);
    expect(Date.now() - acceptedAt).toBeLessThan(60_000);
  });
});

describe('hot reload', () => {
  it('applies a valid edit in a following service within 2 s, with the default debounce', async () => {
    const path = configFile('vigil.yaml', configWith('a'));
    await publisher(path, { debounceMs: undefined });
    const subscriber = createRedis(redisUrl);
    cleanups.push(() => subscriber.disconnect());
    let appliedAt: number | undefined;
    // A service following the published configuration, as the scheduler, evaluator and notifier do.
    await followConfigChanges(subscriber, redis, pino({ level: 'silent' }), String(await redis.hget(REDIS_KEYS.config, 'sha')), ({ config }) => {
      if (config.checks.length === 2) appliedAt = Date.now();
    }, {});

    const editedAt = Date.now();
    writeFileSync(path, configWith('a', 'b'));
    const applied = await eventually('the service applied the edit', () => appliedAt, 5_000, 10);
    expect(applied - editedAt).toBeLessThan(2_000);
  });
});
