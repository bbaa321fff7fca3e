import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CheckConfig } from '../../../libs/config/index.js';
import { createQueue } from '../../../libs/queues/index.js';
import { REDIS_KEYS } from '../../../libs/redis-keys.js';
import { ScheduleSync } from '../../../services/scheduler/sync.js';
import { isolatedRedisUrl } from '../../support/infra.js';

const check = (id: string, extra: Partial<CheckConfig> = {}): CheckConfig => ({
  id, type: 'tcp', host: '127.0.0.1', port: 1, intervalMs: 10_000, timeoutMs: 1_000,
  failureThreshold: 3, successThreshold: 1, labels: {}, regions: ['default'], ...extra,
} as CheckConfig);

describe('schedule sync against Redis', () => {
  let redis: Redis;
  let sync: ScheduleSync;
  beforeAll(async () => {
    redis = new Redis(await isolatedRedisUrl(), { maxRetriesPerRequest: null });
  });
  // This file has its own database: emptying it gives each test exactly the state it sets up.
  beforeEach(async () => {
    await redis.flushdb();
    sync = new ScheduleSync(redis, pino({ level: 'silent' }));
  });
  afterEach(async () => {
    await sync.close();
  });
  afterAll(async () => {
    await redis.quit();
  });

  /** Which checks each region's job schedulers probe, and how often. */
  const scheduled = async (region = 'default') => {
    const queue = createQueue('probes', redis, region);
    const list = await queue.getJobSchedulers(0, -1);
    await queue.close();
    return list.flatMap((s) => (s.template?.data?.checks ?? []).map((entry: { id: string }) => `${entry.id}/${s.every}`)).sort();
  };

  it('creates job schedulers that probe every check, and a registry workers read the checks from', async () => {
    await sync.sync([check('a'), check('b')]);
    expect(await scheduled()).toEqual(['a/10000', 'b/10000']);
    expect(JSON.parse((await redis.hget(REDIS_KEYS.checks, 'a'))!)).toMatchObject({ id: 'a', type: 'tcp' });
  });

  it('is idempotent: syncing the same configuration again changes nothing', async () => {
    expect(await sync.sync([check('a'), check('b')])).toMatchObject({ upserted: 2, removed: 0 });
    expect(await sync.sync([check('a'), check('b')])).toMatchObject({ upserted: 0, removed: 0 });
  });

  it('follows a configuration change: added, changed and removed checks', async () => {
    await sync.sync([check('a'), check('b')]);
    await sync.sync([check('a', { intervalMs: 20_000 }), check('c')]);
    expect(await scheduled()).toEqual(['a/20000', 'c/10000']);
    expect(await redis.hexists(REDIS_KEYS.checks, 'b')).toBe(0);
  });

  it('empties a region no check uses any more', async () => {
    await sync.sync([check('a', { regions: ['eu'] })]);
    expect(await scheduled('eu')).toEqual(['a/10000']);
    await sync.sync([check('a')]);
    expect(await scheduled('eu')).toEqual([]);
  });

  it('probes a failing check at its retryInterval', async () => {
    await redis.sadd(REDIS_KEYS.failing, 'a@default');
    await sync.sync([check('a', { retryIntervalMs: 2_000 }), check('b')]);
    expect(await scheduled()).toEqual(['a/2000', 'b/10000']);
    await redis.srem(REDIS_KEYS.failing, 'a@default');
    await sync.sync([check('a', { retryIntervalMs: 2_000 }), check('b')]);
    expect(await scheduled()).toEqual(['a/10000', 'b/10000']);
  });

  it('re-creates every schedule and the registry after Redis lost them', async () => {
    await sync.sync([check('a'), check('b')]);
    await redis.flushdb();
    await sync.sync([check('a'), check('b')]);
    expect(await scheduled()).toEqual(['a/10000', 'b/10000']);
    expect(await redis.hlen(REDIS_KEYS.checks)).toBe(2);
  });
});
