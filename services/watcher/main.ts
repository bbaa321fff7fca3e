import { configPathFrom } from '../../libs/config/index.js';
import { createRedis, redisUrlFrom } from '../../libs/queues/index.js';
import { runService } from '../../libs/service.js';
import { watchConfigFile } from './config-watch.js';

runService('watcher', async (log) => {
  const path = configPathFrom(process.argv, process.env);
  // An invalid file is logged and waited out, never fatal: the other services keep the last good one.
  const redis = createRedis(redisUrlFrom());
  for (const connection of [redis]) connection.on('error', (err) => log.warn({ err }, 'redis connection error'));
  const configWatch = await watchConfigFile({ path, redis, log });
  return {
    async close() {
      await configWatch.close();
      await redis.quit();
    },
  };
});
