import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../libs/config/index.js';
import { createQueue, jobIdOf, type ProbeResult } from '../../../libs/queues/index.js';
import { REDIS_KEYS } from '../../../libs/redis-keys.js';
import { startEvaluator, type RunningEvaluator } from '../../../services/evaluator/evaluator.js';
import { eventually, isolatedRedisUrl } from '../../support/infra.js';

const config = parseConfig(`
checks:
  - { id: api, type: tcp, host: 127.0.0.1, port: 1, interval: 10s, timeout: 1s, failureThreshold: 2, successThreshold: 1, labels: { team: core } }
`);

const result = (scheduledAt: number, ok: boolean): ProbeResult => ({
  checkId: 'api', checkType: 'tcp', region: 'default', scheduledAt, startedAt: scheduledAt + 3, ok,
  timings: { totalMs: 5 }, workerId: 'test', ...(ok ? {} : { errorClass: 'refused' as const, message: 'connect ECONNREFUSED' }),
});

/**
 * Every test starts an evaluator of its own on a Redis database of its own, and feeds every
 * result its assertions depend on: no test relies on what an earlier one left.
 */
describe('evaluator', () => {
  let redis: Redis;
  let stateRedis: Redis;
  let evaluator: RunningEvaluator;
  const results = () => createQueue('results', redis);

  beforeEach(async () => {
    const url = await isolatedRedisUrl();
    redis = new Redis(url, { maxRetriesPerRequest: null });
    stateRedis = new Redis(url, { maxRetriesPerRequest: null });
    evaluator = startEvaluator({ redis, stateRedis, log: pino({ level: 'silent' }), config });
  });
  afterEach(async () => {
    await evaluator.close();
    await Promise.all([redis.quit(), stateRedis.quit()]);
  });

  /** Queues each result as a batch of its own, in order, and waits until every batch is evaluated. */
  async function feed(...items: ProbeResult[]): Promise<void> {
    const queue = results();
    try {
      for (const item of items) {
        const jobId = jobIdOf(item.checkId, item.region, item.scheduledAt, randomBytes(4).toString('hex'));
        await queue.add('results', { region: item.region, results: [item] }, { jobId });
        await eventually(`batch ${jobId} evaluated`, async () => {
          const state = await queue.getJobState(jobId);
          if (state === 'failed') throw new Error(`batch ${jobId} failed: ${(await queue.getJob(jobId))?.failedReason}`);
          return state === 'completed' || undefined;
        });
      }
    } finally {
      await queue.close();
    }
  }

  async function stateOf(subject: string): Promise<Record<string, unknown>> {
    const text = await redis.get(REDIS_KEYS.checkState(subject));
    expect(text, `a stored state for ${subject}`).not.toBeNull();
    return JSON.parse(text!) as Record<string, unknown>;
  }

  async function alertJobs() {
    const alerts = createQueue('alerts', redis);
    const jobs = await alerts.getJobs(['waiting', 'delayed', 'completed', 'failed', 'active']);
    await alerts.close();
    return jobs.map((job) => job.data);
  }

  it('keeps the check state in Redis', async () => {
    await feed(result(1_000, true));
    expect(await stateOf('api@default')).toMatchObject({ status: 'up', lastTick: 1_000 });
  });

  it('queues one firing alert when failures reach the threshold, with the check labels', async () => {
    await feed(result(1_000, true), result(2_000, false), result(3_000, false), result(4_000, false));
    const alerts = await alertJobs();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      status: 'firing',
      labels: { alertname: 'CheckDown', check: 'api', team: 'core' },
      annotations: { summary: 'api is down', description: 'connect ECONNREFUSED' },
      startsAt: new Date(2_000).toISOString(),
    });
  });

  it('ignores a duplicate result for a tick already evaluated, and an older one', async () => {
    await feed(result(2_000, false), result(3_000, false));
    expect(await stateOf('api@default')).toMatchObject({ status: 'down', lastTick: 3_000 });
    // With successThreshold 1, either of these would bring the check up if it were applied.
    await feed(result(3_000, true), result(2_500, true));
    expect(await stateOf('api@default')).toMatchObject({ status: 'down', lastTick: 3_000, consecutiveFailures: 2 });
    expect((await alertJobs()).map((alert) => alert.status)).toEqual(['firing']);
  });

  it('queues one resolved alert on recovery, with the same fingerprint and start', async () => {
    await feed(result(2_000, false), result(3_000, false), result(4_000, false), result(5_000, true), result(6_000, true));
    const alerts = await alertJobs();
    const resolved = alerts.filter((a) => a.status === 'resolved');
    expect(resolved).toHaveLength(1);
    expect(resolved[0]).toMatchObject({ startsAt: new Date(2_000).toISOString(), endsAt: new Date(5_000).toISOString() });
    expect(resolved[0]!.fingerprint).toBe(alerts.find((a) => a.status === 'firing')!.fingerprint);
  });

  it('lists a check that is pending or down in the failing set, and takes it out on recovery', async () => {
    await feed(result(7_000, false));
    expect(await redis.sismember(REDIS_KEYS.failing, 'api@default')).toBe(1);
    await feed(result(8_000, true));
    expect(await redis.sismember(REDIS_KEYS.failing, 'api@default')).toBe(0);
  });

  it('evaluates a batch holding several checks and ticks in scheduled order', async () => {
    const queue = results();
    // Applied as listed, 10 000 would come first and 9 000 be ignored as older (pending, 1 failure).
    const batch = [result(10_000, false), result(9_000, false), { ...result(9_000, true), checkId: 'gone' }];
    await queue.add('results', { region: 'default', results: batch });
    await eventually('batch evaluated', async () => (JSON.parse((await redis.get(REDIS_KEYS.checkState('api@default'))) ?? '{}').lastTick === 10_000) || undefined);
    await queue.close();
    expect(await stateOf('api@default')).toMatchObject({ status: 'down', consecutiveFailures: 2 });
    expect(await redis.exists(REDIS_KEYS.checkState('gone@default'))).toBe(0);
  });

  it('keeps state per region, so one region failing does not hide another being up', async () => {
    await evaluator.apply(parseConfig(`
checks:
  - { id: api, type: tcp, host: 127.0.0.1, port: 1, interval: 10s, timeout: 1s, failureThreshold: 2, regions: [eu, us] }
`));
    await feed({ ...result(20_000, false), region: 'eu' }, { ...result(20_000, true), region: 'us' });
    expect((await stateOf('api@eu')).status).toBe('pending');
    expect((await stateOf('api@us')).status).toBe('up');
  });

  it('does not buffer points when no metrics writer is configured', async () => {
    await feed(result(1_000, false), result(2_000, false));
    expect(await stateOf('api@default')).toMatchObject({ status: 'down', lastTick: 2_000 });
    expect(await redis.llen(REDIS_KEYS.metricsBuffer)).toBe(0);
  });
});
