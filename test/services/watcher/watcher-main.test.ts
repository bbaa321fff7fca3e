import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishConfig } from '../../../libs/config-sync.js';
import { createQueue, createRedis, type ObservationBatch, type WatchObservationBatch } from '../../../libs/queues/index.js';
import { REDIS_KEYS } from '../../../libs/redis-keys.js';
import { eventually, isolatedRedisUrl } from '../../support/infra.js';
import { describeOutput, spawnService, started, type ServiceProcess } from '../../support/services.js';

const configWatching = (...folders: string[]) =>
  `watches:\n${folders.map((folder, i) => `  - { id: files-${i}, paths: [${JSON.stringify(folder)}], on: [add] }`).join('\n')}\n`;

describe('the watcher process with only the agent role', () => {
  let dir: string;
  let url: string;
  let redis: Redis;
  let results: Queue<ObservationBatch>;
  let watcher: ServiceProcess;

  beforeAll(async () => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'vigil-watcher-main-')));
    mkdirSync(join(dir, 'a'));
    mkdirSync(join(dir, 'b'));
    writeFileSync(join(dir, 'vigil.yaml'), configWatching(join(dir, 'a')));
    url = await isolatedRedisUrl();
    redis = createRedis(url);
    results = createQueue('results', redis);
    watcher = spawnService('watcher', { REDIS_URL: url, VIGIL_CONFIG: join(dir, 'vigil.yaml'), WATCHER_ROLES: 'agent', WATCHER_HOST: 'host-7' });
    await started(watcher);
  });
  afterAll(async () => {
    await watcher.stop();
    await results.close();
    await redis.quit();
    rmSync(dir, { recursive: true, force: true });
  });

  const batches = async (): Promise<WatchObservationBatch[]> =>
    (await results.getJobs(['waiting'], 0, -1, true)).map((job) => job.data).filter((data): data is WatchObservationBatch => data.source === 'watch');
  const added = async (path: string) => (await batches()).find((batch) => batch.observations.some((o) => o.kind === 'event' && o.path === path));

  it('reports file events under the configured host, and does not publish the configuration', async () => {
    writeFileSync(join(dir, 'a', 'one.txt'), 'x');
    const batch = await eventually('event queued', () => added(join(dir, 'a', 'one.txt')), 15_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${describeOutput([watcher])}`);
    });
    expect(batch).toMatchObject({ watchId: 'files-0', host: 'host-7' });
    expect(await redis.exists(REDIS_KEYS.config)).toBe(0);
  });

  it('starts a watch added by a published configuration, without a restart', async () => {
    await publishConfig(redis, configWatching(join(dir, 'a'), join(dir, 'b')), 'test');
    await eventually('watch applied', () => watcher.output.some((line) => line.includes('"started":["files-1"]')) || undefined, 15_000);
    writeFileSync(join(dir, 'b', 'two.txt'), 'x');
    const batch = await eventually('event queued', () => added(join(dir, 'b', 'two.txt')), 15_000);
    expect(batch.watchId).toBe('files-1');
  });
});
