import { followConfigChanges, loadStartupConfig } from '../../libs/config-sync.js';
import { createRedis, redisUrlFrom } from '../../libs/queues/index.js';
import { REDIS_KEYS } from '../../libs/redis-keys.js';
import { runService } from '../../libs/service.js';
import { startScheduler } from './scheduler.js';

runService('scheduler', async (log) => {
  const redis = createRedis(redisUrlFrom());
  const subscriber = createRedis(redisUrlFrom());
  for (const connection of [redis, subscriber]) connection.on('error', (err) => log.warn({ err }, 'redis connection error'));
  const snapshot = await loadStartupConfig(redis, log);
  const slotMs = process.env.VIGIL_SLOT_MS === undefined ? undefined : Number(process.env.VIGIL_SLOT_MS);
  const scheduler = await startScheduler({ redis, log, config: snapshot.config, ...(slotMs ? { slotMs } : {}) });
  await followConfigChanges(subscriber, redis, log, snapshot.sha, ({ config }) => scheduler.apply(config));
  // Checks that start or stop failing switch between interval and retryInterval.
  subscriber.on('message', (channel: string) => {
    if (channel === REDIS_KEYS.failingChanged) void scheduler.resync('failing checks changed');
  });
  await subscriber.subscribe(REDIS_KEYS.failingChanged);
  return {
    async close() {
      await scheduler.close();
      subscriber.disconnect();
      await redis.quit();
    },
  };
});
