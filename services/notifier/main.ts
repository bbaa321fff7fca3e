import { z } from 'zod';
import { followConfigChanges, loadStartupConfig } from '../../libs/config-sync.js';
import type { Config } from '../../libs/config/index.js';
import { CONFIG_ENV, httpUrl, parseEnv, REDIS_ENV } from '../../libs/env.js';
import { createRedis } from '../../libs/queues/index.js';
import { redisPing } from '../../libs/self-monitoring/readiness.js';
import { runService } from '../../libs/service.js';
import { DEFAULT_EXTERNAL_URL } from './delivery.js';
import { createNotifierMetrics } from './metrics.js';
import { startNotifier } from './notifier.js';

const NOTIFIER_ENV = z.object({
  ...REDIS_ENV,
  ...CONFIG_ENV,
  /** `externalURL` in webhook bodies: where receivers can link back to. */
  VIGIL_EXTERNAL_URL: httpUrl().default(DEFAULT_EXTERNAL_URL),
});

runService('notifier', async (log, { metrics }) => {
  const env = parseEnv(NOTIFIER_ENV);
  const redis = createRedis(env.REDIS_URL);
  // A subscribed connection can run no other command, so config updates get their own.
  const subscriber = createRedis(env.REDIS_URL);
  for (const connection of [redis, subscriber]) connection.on('error', (err) => log.warn({ err }, 'redis connection error'));

  const startup = await loadStartupConfig(redis, log);
  let config: Config = startup.config;
  await followConfigChanges(subscriber, redis, log, startup.sha, (next) => {
    config = next.config;
  });

  const notifier = startNotifier({ redisUrl: env.REDIS_URL, log, getConfig: () => config, externalUrl: env.VIGIL_EXTERNAL_URL, metrics: createNotifierMetrics(metrics) });
  return {
    readiness: { redis: redisPing(redis) },
    async close() {
      await notifier.close();
      await Promise.all([subscriber.quit(), redis.quit()]);
    },
  };
});
