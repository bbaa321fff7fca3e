import { z } from 'zod';
import { followConfigChanges, loadStartupConfig } from '../../libs/config-sync.js';
import { CONFIG_ENV, parseEnv, REDIS_ENV } from '../../libs/env.js';
import { METRICS_ENV, metricsWriterFrom } from '../../libs/metrics/from-env.js';
import { createRedis } from '../../libs/queues/index.js';
import { influxPing, redisPing, type ReadinessCheck } from '../../libs/self-monitoring/readiness.js';
import { runService } from '../../libs/service.js';
import { startEvaluator } from './evaluator.js';
import { createEvaluatorMetrics } from './metrics.js';

const EVALUATOR_ENV = z.object({ ...REDIS_ENV, ...CONFIG_ENV }).and(METRICS_ENV);

runService('evaluator', async (log, { metrics: registry }) => {
  const env = parseEnv(EVALUATOR_ENV);
  const [redis, stateRedis, subscriber] = [createRedis(env.REDIS_URL), createRedis(env.REDIS_URL), createRedis(env.REDIS_URL)];
  for (const connection of [redis, stateRedis, subscriber]) connection.on('error', (err) => log.warn({ err }, 'redis connection error'));
  const snapshot = await loadStartupConfig(redis, log);
  const metrics = metricsWriterFrom(env.metrics);
  if (metrics) log.info({ target: metrics.target }, 'writing metrics');
  else log.warn('INFLUX_URL is not set: probe results are evaluated but not stored');
  const evaluator = startEvaluator({ redis, stateRedis, log, config: snapshot.config, counters: createEvaluatorMetrics(registry), ...(metrics ? { metrics } : {}) });
  await followConfigChanges(subscriber, redis, log, snapshot.sha, ({ config }) => evaluator.apply(config));
  const readiness: Record<string, ReadinessCheck> = { redis: redisPing(redis) };
  if (env.metrics.api !== 'none') readiness.influxdb = influxPing(env.metrics.url);
  return {
    readiness,
    async close() {
      await evaluator.close();
      await metrics?.close();
      subscriber.disconnect();
      await Promise.all([redis.quit(), stateRedis.quit()]);
    },
  };
});
