import { followConfigChanges, loadStartupConfig } from '../../libs/config-sync.js';
import { createRedis, redisUrlFrom } from '../../libs/queues/index.js';
import { runService } from '../../libs/service.js';
import { startScheduler } from './scheduler.js';

runService('scheduler', async (log) => {
  const redis = createRedis(redisUrlFrom());
  const subscriber = createRedis(redisUrlFrom());
  for (const connection of [redis, subscriber]) connection.on('error', (err) => log.warn({ err }, 'redis connection error'));
  const snapshot = await loadStartupConfig(redis, log);
  const scheduler = await startScheduler({ redis, log, config: snapshot.config });
  await followConfigChanges(subscriber, redis, log, snapshot.sha, ({ config }) => scheduler.apply(config));
  return {
    async close() {
      await scheduler.close();
      subscriber.disconnect();
      await redis.quit();
    },
  };
});
