import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createQueue, type AlertEvent } from '../../../libs/queues/index.js';
import { REDIS_KEYS } from '../../../libs/redis-keys.js';
import { forwardAlerts } from '../../../services/evaluator/alert-outbox.js';
import { parseConfig } from '../../../libs/config/index.js';
import { evaluatorHarness } from '../../support/evaluator.js';
import { eventually, isolatedRedisUrl } from '../../support/infra.js';

const event = (startsAtMs: number): AlertEvent => ({
  fingerprint: 'abc', status: 'firing', labels: { alertname: 'CheckDown', check: 'api' }, annotations: {}, startsAt: new Date(startsAtMs).toISOString(),
});

describe('the alert outbox', () => {
  let redis: Redis;
  let other: Redis;
  let alerts: Queue<AlertEvent>;

  beforeEach(async () => {
    const url = await isolatedRedisUrl();
    redis = new Redis(url, { maxRetriesPerRequest: null });
    other = new Redis(url, { maxRetriesPerRequest: null });
    alerts = createQueue('alerts', redis);
  });
  afterEach(async () => {
    await alerts.close();
    await Promise.all([redis.quit(), other.quit()]);
  });

  const queued = async () => (await alerts.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed'])).map((job) => job.data.startsAt);
  const fill = (count: number) => redis.rpush(REDIS_KEYS.alertOutbox, ...Array.from({ length: count }, (_, i) => JSON.stringify(event((i + 1) * 1_000))));

  it('moves every committed event to the alerts queue, oldest first, and empties itself', async () => {
    await fill(450);
    expect(await forwardAlerts(redis, alerts)).toBe(450);
    expect(await queued()).toHaveLength(450);
    expect(await redis.llen(REDIS_KEYS.alertOutbox)).toBe(0);
  });

  it('queues each event once when two evaluators forward at the same time', async () => {
    await fill(300);
    const [mine, theirs] = await Promise.all([forwardAlerts(redis, alerts), forwardAlerts(other, alerts)]);
    expect(mine + theirs).toBe(300);
    expect(new Set(await queued()).size).toBe(300);
    expect(await queued()).toHaveLength(300);
    expect(await redis.llen(REDIS_KEYS.alertOutbox)).toBe(0);
  });

  it('keeps events added while it forwards for the next round', async () => {
    await fill(1);
    const lrange = redis.lrange.bind(redis);
    let added = false;
    // Another commit lands right after the outbox was read.
    redis.lrange = (async (...args: Parameters<typeof lrange>) => {
      const items = await lrange(...args);
      if (!added) {
        added = true;
        await other.rpush(REDIS_KEYS.alertOutbox, JSON.stringify(event(99_000)));
      }
      return items;
    }) as typeof redis.lrange;
    await forwardAlerts(redis, alerts);
    expect((await queued()).sort()).toEqual([new Date(1_000).toISOString(), new Date(99_000).toISOString()]);
    expect(await redis.llen(REDIS_KEYS.alertOutbox)).toBe(0);
  });
});

describe('an evaluator starting', () => {
  const harness = evaluatorHarness();

  it('forwards the events a killed evaluator committed but never queued', async () => {
    await harness.redis.rpush(REDIS_KEYS.alertOutbox, JSON.stringify(event(5_000)));
    harness.start(parseConfig('checks: []'));
    const alerts = createQueue('alerts', harness.redis);
    try {
      const jobs = await eventually('the event queued', async () => {
        const found = await alerts.getJobs(['waiting', 'active', 'completed', 'failed']);
        return found.length > 0 ? found : undefined;
      });
      expect(jobs.map((job) => job.data.startsAt)).toEqual([new Date(5_000).toISOString()]);
      // The trim follows the queueing.
      await eventually('the outbox emptied', async () => (await harness.redis.llen(REDIS_KEYS.alertOutbox)) === 0 || undefined);
    } finally {
      await alerts.close();
    }
  });
});
