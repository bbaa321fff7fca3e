import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Config } from '../../libs/config/index.js';
import { createQueue, jobIdOf, type ProbeResult } from '../../libs/queues/index.js';
import { REDIS_KEYS } from '../../libs/redis-keys.js';
import { startEvaluator, type EvaluatorOptions, type RunningEvaluator } from '../../services/evaluator/evaluator.js';
import { eventually, isolatedRedisUrl } from './infra.js';

export interface EvaluatorHarness {
  readonly redis: Redis;
  /** Starts an evaluator that is closed after the test. */
  start(config: Config, extra?: Partial<EvaluatorOptions>): RunningEvaluator;
  /** Closes an evaluator before the test ends (as a stopped service). */
  stop(evaluator: RunningEvaluator): Promise<void>;
  /** Queues one result and waits until the evaluator has applied it. */
  feed(result: ProbeResult): Promise<void>;
}

/**
 * Real Redis connections for a test file, and evaluators closed after each test: evaluators
 * share the results queue, so one left running would take the next test's results.
 */
export function evaluatorHarness(): EvaluatorHarness {
  let redis: Redis;
  let stateRedis: Redis;
  const running: RunningEvaluator[] = [];
  beforeAll(async () => {
    const url = await isolatedRedisUrl();
    redis = new Redis(url, { maxRetriesPerRequest: null });
    stateRedis = new Redis(url, { maxRetriesPerRequest: null });
  });
  afterEach(async () => {
    for (const evaluator of running.splice(0)) await evaluator.close();
  });
  afterAll(async () => {
    await Promise.all([redis.quit(), stateRedis.quit()]);
  });
  return {
    get redis() {
      return redis;
    },
    start(config, extra = {}) {
      const evaluator = startEvaluator({ redis, stateRedis, log: pino({ level: 'silent' }), config, ...extra });
      running.push(evaluator);
      return evaluator;
    },
    async stop(evaluator) {
      running.splice(running.indexOf(evaluator), 1);
      await evaluator.close();
    },
    async feed(result) {
      const queue = createQueue('results', redis);
      await queue.add('results', { region: result.region, results: [result] }, { jobId: jobIdOf('test', result.checkId, result.region, result.scheduledAt) });
      await queue.close();
      const subject = REDIS_KEYS.checkState(`${result.checkId}@${result.region}`);
      await eventually('the result evaluated', async () => JSON.parse((await redis.get(subject)) ?? '{}').lastTick === result.scheduledAt || undefined);
    },
  };
}

/** A tcp probe result in the default region: a refused connection, or a success. */
export function tcpResult(checkId: string, scheduledAt: number, ok: boolean, region = 'default'): ProbeResult {
  return {
    checkId, checkType: 'tcp', region, scheduledAt, startedAt: scheduledAt, ok, timings: { totalMs: 1 }, workerId: 'test',
    ...(ok ? {} : { errorClass: 'refused' as const, message: 'connect ECONNREFUSED' }),
  };
}
