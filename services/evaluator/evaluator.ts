import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { CheckConfig, Config } from '../../libs/config/index.js';
import { MetricsFlusher, type MetricsWriter } from '../../libs/metrics/index.js';
import { createQueue, createWorker } from '../../libs/queues/index.js';
import type { RunningService } from '../../libs/service.js';
import { evaluateBatch } from './evaluate.js';

export interface EvaluatorOptions {
  /** Shared connection for the queues and the metrics flusher. */
  redis: Redis;
  /** A connection for state transactions only (WATCH is per connection). */
  stateRedis: Redis;
  log: Logger;
  config: Config;
  metrics?: MetricsWriter;
  backoffBaseMs?: number;
  flushIdleMs?: number;
}

export interface RunningEvaluator extends RunningService {
  apply(config: Config): void;
}

/**
 * Consumes batches of probe results one at a time per process (state transactions share
 * one connection); run more evaluator processes to scale out.
 */
export function startEvaluator(options: EvaluatorOptions): RunningEvaluator {
  const { log } = options;
  let checks = indexChecks(options.config);
  const alerts = createQueue('alerts', options.redis);
  const flusher = options.metrics
    ? new MetricsFlusher({ redis: options.redis, writer: options.metrics, log, ...(options.flushIdleMs === undefined ? {} : { idleMs: options.flushIdleMs }) })
    : undefined;
  flusher?.start();

  const deps = { stateRedis: options.stateRedis, alerts, log, recordMetrics: flusher !== undefined };
  const worker = createWorker('results', options.redis, (batch) => evaluateBatch(deps, checks, batch.results), {
    concurrency: 1,
    ...(options.backoffBaseMs === undefined ? {} : { backoffBaseMs: options.backoffBaseMs }),
  });
  worker.on('error', (err) => log.error({ err }, 'evaluator worker error'));
  worker.on('failed', (job, err) => log.warn({ err, jobId: job?.id, attempts: job?.attemptsMade }, 'result evaluation failed'));

  return {
    apply(config) {
      checks = indexChecks(config);
    },
    async close() {
      await worker.close();
      await flusher?.stop();
      await alerts.close();
    },
  };
}

function indexChecks(config: Config): Map<string, CheckConfig> {
  return new Map(config.checks.map((check) => [check.id, check]));
}
