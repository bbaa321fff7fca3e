import { followConfigChanges, loadStartupConfig } from '../../libs/config-sync.js';
import type { Config } from '../../libs/config/index.js';
import { createRedis, redisUrlFrom } from '../../libs/queues/index.js';
import { runService } from '../../libs/service.js';
import { startNotifier } from './notifier.js';

runService('notifier', async (log) => {
  const redisUrl = redisUrlFrom();
  const redis = createRedis(redisUrl);
  // A subscribed connection can run no other command, so config updates get their own.
  const subscriber = createRedis(redisUrl);
  for (const connection of [redis, subscriber]) connection.on('error', (err) => log.warn({ err }, 'redis connection error'));

  const startup = await loadStartupConfig(redis, log);
  let config: Config = startup.config;
  await followConfigChanges(subscriber, redis, log, startup.sha, (next) => {
    config = next.config;
  });

  const notifier = startNotifier({ redisUrl, log, getConfig: () => config });
  return {
    async close() {
      await notifier.close();
      await Promise.all([subscriber.quit(), redis.quit()]);
    },
  };
});
