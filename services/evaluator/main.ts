import { followConfigChanges, loadStartupConfig } from '../../libs/config-sync.js';
import { metricsWriterFromEnv } from '../../libs/metrics/index.js';
import { createRedis, redisUrlFrom } from '../../libs/queues/index.js';
import { runService } from '../../libs/service.js';
import { startEvaluator } from './evaluator.js';

runService('evaluator', async (log) => {
  const url = redisUrlFrom();
  const [redis, stateRedis, subscriber] = [createRedis(url), createRedis(url), createRedis(url)];
  for (const connection of [redis, stateRedis, subscriber]) connection.on('error', (err) => log.warn({ err }, 'redis connection error'));
  const snapshot = await loadStartupConfig(redis, log);
  const metrics = metricsWriterFromEnv();
  if (metrics) log.info({ target: metrics.target }, 'writing metrics');
  else log.warn('INFLUX_URL is not set: probe results are evaluated but not stored');
  const evaluator = startEvaluator({ redis, stateRedis, log, config: snapshot.config, ...(metrics ? { metrics } : {}) });
  await followConfigChanges(subscriber, redis, log, snapshot.sha, ({ config }) => evaluator.apply(config));
  return {
    async close() {
      await evaluator.close();
      await metrics?.close();
      subscriber.disconnect();
      await Promise.all([redis.quit(), stateRedis.quit()]);
    },
  };
});
