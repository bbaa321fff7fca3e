/**
 * The configuration publisher as real watcher processes on two "hosts" (each its own file):
 * a killed publisher is replaced by the standby within the lock's TTL, and an edit of the
 * file is published within 2 s.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../../libs/queues/index.js';
import { REDIS_KEYS } from '../../../libs/redis-keys.js';
import { DEFAULT_LOCK_TTL_MS } from '../../../services/watcher/config-publisher.js';
import { eventually, isolatedRedisUrl } from '../../support/infra.js';
import { describeOutput, spawnService, started, type ServiceProcess } from '../../support/services.js';

const configWith = (...ids: string[]) => `checks:\n${ids.map((id) => `  - { id: ${id}, type: tcp, host: 127.0.0.1, port: 1 }`).join('\n')}\n`;

describe('configuration publisher processes', () => {
  let dir: string;
  let redis: Redis;
  let url: string;
  const processes: ServiceProcess[] = [];

  const publisherOn = async (host: string, text: string): Promise<{ path: string; watcher: ServiceProcess }> => {
    const path = join(dir, `${host}.yaml`);
    writeFileSync(path, text);
    const watcher = spawnService('watcher', { REDIS_URL: url, VIGIL_CONFIG: path, WATCHER_ROLES: 'publisher', WATCHER_HOST: host });
    processes.push(watcher);
    await started(watcher);
    return { path, watcher };
  };
  const publishedText = () => redis.hget(REDIS_KEYS.config, 'text');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-publisher-process-'));
    url = await isolatedRedisUrl();
    redis = createRedis(url);
  });
  afterAll(async () => {
    await Promise.all(processes.map((watcher) => watcher.stop()));
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  it('replaces a killed publisher within the lock TTL, then publishes an edit within 2 s', async () => {
    const first = await publisherOn('host-a', configWith('from-a'));
    await eventually('host-a published', async () => (await publishedText()) === configWith('from-a') || undefined);
    const second = await publisherOn('host-b', configWith('from-b'));
    await eventually('host-b standing by', () => second.watcher.output.some((line) => line.includes('configuration publisher standing by')) || undefined);
    expect(await publishedText()).toBe(configWith('from-a'));

    const killedAt = Date.now();
    await first.watcher.stop('SIGKILL');
    await eventually('host-b took over and published its file', async () => (await publishedText()) === configWith('from-b') || undefined, 30_000, 50)
      .catch((err: Error) => { throw new Error(`${err.message}\n${describeOutput([second.watcher])}`); });
    // The lock expires one TTL after the last renewal (at most a third of it before the kill); a standby retries every second.
    expect(Date.now() - killedAt).toBeLessThan(DEFAULT_LOCK_TTL_MS + 3_000);

    const editedAt = Date.now();
    writeFileSync(second.path, configWith('from-b', 'edited'));
    await eventually('the edit published', async () => (await publishedText()) === configWith('from-b', 'edited') || undefined, 10_000, 20);
    expect(Date.now() - editedAt).toBeLessThan(2_000);
  }, 60_000);
});
