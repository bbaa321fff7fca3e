import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig, type CheckConfig } from '../../../libs/config/index.js';
import { createQueue } from '../../../libs/queues/index.js';
import { REDIS_KEYS } from '../../../libs/redis-keys.js';
import { planSlots } from '../../../services/scheduler/plan.js';
import { ScheduleSync } from '../../../services/scheduler/sync.js';
import { isolatedRedisUrl } from '../../support/infra.js';

const check = (id: string, extra: Partial<CheckConfig> = {}): CheckConfig => ({
  id, type: 'tcp', host: '127.0.0.1', port: 1, intervalMs: 10_000, timeoutMs: 1_000,
  failureThreshold: 3, successThreshold: 1, labels: {}, regions: ['default'], ...extra,
} as CheckConfig);

/**
 * Seven checks like examples/vigil.yaml (its three, and four more). `payments` has a
 * retryInterval and is failing in the test below: its 2s cadence puts it in the slot whose job
 * is due at the very start of each period (phase 0, pinned below), the slot that used to churn.
 */
const SEVEN_CHECKS = `
defaults: { interval: 10s, timeout: 2s, failureThreshold: 2, successThreshold: 1 }
checks:
  - { id: demo-app, type: http, url: "http://127.0.0.1:8099/healthz", interval: 5s, expect: { status: [200] } }
  - { id: influxdb, type: http, url: "http://127.0.0.1:8086/ping", expect: { status: [204] } }
  - { id: redis, type: tcp, host: 127.0.0.1, port: 6379 }
  - { id: shop-api, type: http, url: "https://shop.example.com/healthz", retryInterval: 2s }
  - { id: payments, type: tcp, host: payments.internal, port: 443, retryInterval: 2s }
  - { id: postgres, type: tcp, host: db.internal, port: 5432, interval: 30s }
  - { id: cert-expiry, type: tls, host: shop.example.com, port: 443, interval: 1h, timeout: 10s }
`;

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

  const schedulersOf = async (region = 'default') => {
    const queue = createQueue('probes', redis, region);
    try {
      return await queue.getJobSchedulers(0, -1);
    } finally {
      await queue.close();
    }
  };

  /** Which checks each region's job schedulers probe, and how often. */
  const scheduled = async (region = 'default') =>
    (await schedulersOf(region)).flatMap((s) => (s.template?.data?.checks ?? []).map((entry: { id: string }) => `${entry.id}/${s.every}`)).sort();

  /** Scheduler id → its next run and offset, as BullMQ reports them. */
  const timings = async (region = 'default') =>
    Object.fromEntries((await schedulersOf(region)).map((s) => [s.key, { next: s.next, every: s.every, offset: s.offset }]));

  it('creates job schedulers that probe every check, and a registry workers read the checks from', async () => {
    await sync.sync([check('a'), check('b')]);
    expect(await scheduled()).toEqual(['a/10000', 'b/10000']);
    expect(JSON.parse((await redis.hget(REDIS_KEYS.checks, 'a'))!)).toMatchObject({ id: 'a', type: 'tcp' });
  });

  it('is idempotent: syncing the same configuration again changes nothing', async () => {
    expect(await sync.sync([check('a'), check('b')])).toMatchObject({ upserted: 2, removed: 0 });
    expect(await sync.sync([check('a'), check('b')])).toMatchObject({ upserted: 0, removed: 0, replaced: 0 });
  });

  describe('seven unchanged checks like the example, one failing at its retryInterval', () => {
    const { checks } = parseConfig(SEVEN_CHECKS, {});
    const failing = ['payments@default'];

    it('plans a slot due at the very start of its period (the case BullMQ reads as "no offset")', () => {
      const slot = [...planSlots(checks, new Set(failing)).values()].find((s) => s.data.checks.some((entry) => entry.id === 'payments'));
      expect(slot).toMatchObject({ schedulerId: 'slot-2000-3@default', everyMs: 2_000 });
      expect(slot!.offsetMs % slot!.everyMs).toBe(0);
    });

    it('syncs once, then a second and a third sync upsert nothing and move no next run', async () => {
      await redis.sadd(REDIS_KEYS.failing, ...failing);
      const first = await sync.sync(checks);
      expect(first).toMatchObject({ upserted: first.slots, removed: 0, replaced: 0, checks: 7 });
      expect(first.slots).toBe(7);
      const before = await timings();
      expect(Object.keys(before)).toHaveLength(7);

      for (const round of ['second', 'third']) {
        expect(await sync.sync(checks), `${round} sync`).toEqual({ upserted: 0, removed: 0, replaced: 0, slots: 7, checks: 7 });
        expect(await timings(), `${round} sync`).toEqual(before);
      }
    });

    it('runs every slot at its planned phase of its period, the phase-0 slot included', async () => {
      await redis.sadd(REDIS_KEYS.failing, ...failing);
      await sync.sync(checks);
      const planned = planSlots(checks, new Set(failing));
      const phases = Object.fromEntries((await schedulersOf()).map((s) => [s.key, s.next! % s.every!]));
      expect(phases).toEqual(Object.fromEntries([...planned.values()].map((slot) => [slot.schedulerId, slot.offsetMs % slot.everyMs])));
    });

    it('re-places, once, a slot that runs at the wrong phase (as the phase-0 slot did before)', async () => {
      await redis.sadd(REDIS_KEYS.failing, ...failing);
      await sync.sync(checks);
      // What older versions left behind: the phase-0 slot upserted with offset 0, which BullMQ
      // reads as no offset and aligns to the moment of that upsert (here: 1,234 ms into the period).
      const queue = createQueue('probes', redis, 'default');
      const [stale] = (await schedulersOf()).filter((s) => s.key === 'slot-2000-3@default');
      await queue.removeJobScheduler('slot-2000-3@default');
      await queue.upsertJobScheduler('slot-2000-3@default', { every: 2_000, offset: 1_234 }, { name: 'slot', data: stale!.template!.data! });
      await queue.close();
      expect((await timings())['slot-2000-3@default']!.next! % 2_000).toBe(1_234);

      expect(await sync.sync(checks)).toMatchObject({ upserted: 0, removed: 0, replaced: 1 });
      expect((await timings())['slot-2000-3@default']!.next! % 2_000).toBe(0);
      expect(await sync.sync(checks)).toMatchObject({ upserted: 0, removed: 0, replaced: 0 });
    });
  });

  it('follows a configuration change: added, changed and removed checks', async () => {
    await sync.sync([check('a'), check('b')]);
    await sync.sync([check('a', { intervalMs: 20_000 }), check('c')]);
    expect(await scheduled()).toEqual(['a/20000', 'c/10000']);
    expect(await redis.hexists(REDIS_KEYS.checks, 'b')).toBe(0);
  });

  it('updates a changed slot in place, keeping its next run', async () => {
    await sync.sync([check('a')]);
    const before = await timings();
    expect(await sync.sync([check('a', { timeoutMs: 2_000 })])).toMatchObject({ upserted: 1, removed: 0, replaced: 0 });
    expect(await timings()).toEqual(before);
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
