import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckConfig } from '../../../libs/config/index.js';
import { createQueue } from '../../../libs/queues/index.js';
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
    sync = new ScheduleSync(redis, pino({ level: 'silent' }));
  });
  afterAll(async () => {
    await sync.close();
    await redis.quit();
  });

  const schedulers = async (region = 'default') => {
    const queue = createQueue('probes', redis, region);
    const list = await queue.getJobSchedulers(0, -1);
    await queue.close();
    return list;
  };

  it('creates a job scheduler per check, each with its own offset and the check in its template', async () => {
    await sync.sync([check('a'), check('b')]);
    const list = await schedulers();
    expect(list.map((s) => s.key).sort()).toEqual(['a@default', 'b@default']);
    expect(list.find((s) => s.key === 'a@default')).toMatchObject({ every: 10_000, template: { data: { check: { id: 'a' } } } });
  });

  it('is idempotent: syncing the same configuration again changes nothing', async () => {
    expect(await sync.sync([check('a'), check('b')])).toMatchObject({ upserted: 0, removed: 0 });
  });

  it('follows a configuration change: added, changed and removed checks', async () => {
    const report = await sync.sync([check('a', { intervalMs: 20_000 }), check('c')]);
    expect(report).toMatchObject({ upserted: 2, removed: 1 });
    const list = await schedulers();
    expect(list.map((s) => s.key).sort()).toEqual(['a@default', 'c@default']);
    expect(list.find((s) => s.key === 'a@default')?.every).toBe(20_000);
  });

  it('empties a region no check uses any more', async () => {
    await sync.sync([check('a', { regions: ['eu'] })]);
    expect((await schedulers('eu')).map((s) => s.key)).toEqual(['a@eu']);
    await sync.sync([check('a')]);
    expect(await schedulers('eu')).toEqual([]);
  });

  it('re-creates every schedule after Redis lost them', async () => {
    await redis.flushdb();
    await sync.sync([check('a'), check('b')]);
    expect((await schedulers()).map((s) => s.key).sort()).toEqual(['a@default', 'b@default']);
  });
});
