import { z } from 'zod';
import { configPathFrom } from '../../libs/config/index.js';
import { followConfigChanges, loadStartupConfig } from '../../libs/config-sync.js';
import { CONFIG_ENV, parseEnv, REDIS_ENV } from '../../libs/env.js';
import { createRedis } from '../../libs/queues/index.js';
import { redisPing } from '../../libs/self-monitoring/readiness.js';
import { runService, type RunningService } from '../../libs/service.js';
import { startFileAgent } from './agent.js';
import { startConfigPublisher } from './config-publisher.js';
import { createWatcherMetrics } from './metrics.js';
import { WATCHER_ROLE_ENV } from './roles.js';

const WATCHER_ENV = z.object({ ...REDIS_ENV, ...CONFIG_ENV, ...WATCHER_ROLE_ENV });

runService('watcher', async (log, { metrics }) => {
  const env = parseEnv(WATCHER_ENV);
  const redis = createRedis(env.REDIS_URL);
  redis.on('error', (err) => log.warn({ err }, 'redis connection error'));
  const parts: RunningService[] = [];
  if (env.WATCHER_ROLES.has('publisher')) {
    // An invalid file is logged and waited out, never fatal: the other services keep the last good one.
    const path = configPathFrom(process.argv, process.env);
    parts.push(await startConfigPublisher({ path, redis, log, env: process.env }));
  }
  if (env.WATCHER_ROLES.has('agent')) {
    const subscriber = createRedis(env.REDIS_URL);
    subscriber.on('error', (err) => log.warn({ err }, 'redis connection error'));
    const snapshot = await loadStartupConfig(redis, log);
    const agent = await startFileAgent({ redis, log, host: env.WATCHER_HOST, watches: snapshot.config.watches, metrics: createWatcherMetrics(metrics) });
    await followConfigChanges(subscriber, redis, log, snapshot.sha, ({ config }) => agent.apply(config.watches));
    parts.push({ close: () => agent.close() }, { close: async () => { subscriber.disconnect(); } });
  }
  log.info({ roles: [...env.WATCHER_ROLES], host: env.WATCHER_HOST }, 'watcher roles');
  return {
    readiness: { redis: redisPing(redis) },
    async close() {
      for (const part of parts.reverse()) await part.close();
      await redis.quit();
    },
  };
});
