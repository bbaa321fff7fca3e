import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

describe('evaluator', () => {
  let redis: Redis;
  let stateRedis: Redis;
  let evaluator: RunningEvaluator;
  const results = () => createQueue('results', redis);

  beforeAll(async () => {
    const url = await isolatedRedisUrl();
    redis = new Redis(url, { maxRetriesPerRequest: null });
    stateRedis = new Redis(url, { maxRetriesPerRequest: null });
    evaluator = startEvaluator({ redis, stateRedis, log: pino({ level: 'silent' }), config });
  });
  afterAll(async () => {
    await evaluator.close();
    await Promise.all([redis.quit(), stateRedis.quit()]);
  });

  async function feed(...items: ProbeResult[]): Promise<void> {
    const queue = results();
    for (const item of items) await queue.add('results', { region: 'default', results: [item] }, { jobId: jobIdOf(item.checkId, item.region, item.scheduledAt, Math.random()) });
    await eventually('results evaluated', async () => (await queue.getJobCounts('waiting', 'active', 'delayed')).waiting === 0 && (await queue.getJobCounts('active')).active === 0 || undefined);
    await queue.close();
  }

  async function alertJobs() {
    const alerts = createQueue('alerts', redis);
    const jobs = await alerts.getJobs(['waiting', 'delayed', 'completed', 'failed', 'active']);
    await alerts.close();
    return jobs.map((job) => job.data);
  }

  it('keeps the check state in Redis', async () => {
    await feed(result(1_000, true));
    const state = JSON.parse((await redis.get(REDIS_KEYS.checkState('api@default')))!);
    expect(state).toMatchObject({ status: 'up', lastTick: 1_000 });
  });

  it('queues one firing alert when failures reach the threshold, with the check labels', async () => {
    await feed(result(2_000, false), result(3_000, false), result(4_000, false));
    const alerts = await alertJobs();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      status: 'firing',
      labels: { alertname: 'CheckDown', check: 'api', team: 'core' },
      annotations: { summary: 'api is down', description: 'connect ECONNREFUSED' },
      startsAt: new Date(2_000).toISOString(),
    });
  });

  it('ignores a duplicate result for a tick already evaluated', async () => {
    await feed(result(4_000, true));
    const state = JSON.parse((await redis.get(REDIS_KEYS.checkState('api@default')))!);
    expect(state.status).toBe('down');
  });

  it('queues one resolved alert on recovery, with the same fingerprint and start', async () => {
    await feed(result(5_000, true), result(6_000, true));
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
    const batch = [result(10_000, false), result(9_000, false), { ...result(9_000, true), checkId: 'gone' }];
    await queue.add('results', { region: 'default', results: batch });
    await eventually('batch evaluated', async () => (JSON.parse((await redis.get(REDIS_KEYS.checkState('api@default')))!).lastTick === 10_000) || undefined);
    await queue.close();
    expect(JSON.parse((await redis.get(REDIS_KEYS.checkState('api@default')))!)).toMatchObject({ status: 'down', consecutiveFailures: 2 });
  });

  it('keeps state per region, so one region failing does not hide another being up', async () => {
    await feed({ ...result(20_000, false), region: 'eu' }, { ...result(20_000, true), region: 'us' });
    expect(JSON.parse((await redis.get(REDIS_KEYS.checkState('api@eu')))!).status).toBe('pending');
    expect(JSON.parse((await redis.get(REDIS_KEYS.checkState('api@us')))!).status).toBe('up');
  });

  it('does not buffer points when no metrics writer is configured', async () => {
    expect(await redis.llen(REDIS_KEYS.metricsBuffer)).toBe(0);
  });
});
