import { z } from 'zod';
import { followConfigChanges, loadStartupConfig } from '../../libs/config-sync.js';
import { CONFIG_ENV, parseEnv, REDIS_ENV, text, wholeNumber } from '../../libs/env.js';
import { metricsReaderFromEnv } from '../../libs/metrics/index.js';
import { createRedis } from '../../libs/queues/index.js';
import { redisPing } from '../../libs/self-monitoring/readiness.js';
import { runService } from '../../libs/service.js';
import { buildApiServer } from './server.js';

const API_ENV = z.object({
  ...REDIS_ENV,
  ...CONFIG_ENV,
  /** Loopback by default: the API is opened to a network on purpose (docker-compose sets 0.0.0.0). */
  API_HOST: text().default('127.0.0.1'),
  API_PORT: wholeNumber(0, 65_535).default(8080),
});

runService('api', async (log, { metrics: registry }) => {
  const env = parseEnv(API_ENV);
  // The evaluator's INFLUX_* variables: the api reads back what it writes.
  const metrics = metricsReaderFromEnv();
  // Requests fail (500) while Redis is away instead of hanging until it is back.
  const redis = createRedis(env.REDIS_URL, 'service', { maxRetriesPerRequest: 1 });
  const subscriber = createRedis(env.REDIS_URL);
  for (const connection of [redis, subscriber]) connection.on('error', (err) => log.warn({ err }, 'redis connection error'));
  let snapshot = await loadStartupConfig(redis, log);
  await followConfigChanges(subscriber, redis, log, snapshot.sha, (next) => {
    snapshot = next;
  });
  const app = buildApiServer({ redis, log, snapshot: () => snapshot, registry, ...(metrics ? { metrics } : {}) });
  const address = await app.listen({ host: env.API_HOST, port: env.API_PORT });
  log.info({ address, tokens: snapshot.config.api.tokens.length, publicRead: snapshot.config.api.publicRead, metrics: metrics?.target ?? 'none' }, 'api listening');
  return {
    readiness: { redis: redisPing(redis) },
    async close() {
      // Stops accepting, lets requests in flight finish.
      await app.close();
      subscriber.disconnect();
      await redis.quit();
      await metrics?.close();
    },
  };
});
