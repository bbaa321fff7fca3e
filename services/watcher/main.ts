import { z } from 'zod';
import { configPathFrom } from '../../libs/config/index.js';
import { CONFIG_ENV, parseEnv, REDIS_ENV } from '../../libs/env.js';
import { createRedis } from '../../libs/queues/index.js';
import { runService } from '../../libs/service.js';
import { watchConfigFile } from './config-watch.js';

const WATCHER_ENV = z.object({ ...REDIS_ENV, ...CONFIG_ENV });

runService('watcher', async (log) => {
  const env = parseEnv(WATCHER_ENV);
  const path = configPathFrom(process.argv, process.env);
  // An invalid file is logged and waited out, never fatal: the other services keep the last good one.
  const redis = createRedis(env.REDIS_URL);
  redis.on('error', (err) => log.warn({ err }, 'redis connection error'));
  const configWatch = await watchConfigFile({ path, redis, log });
  return {
    async close() {
      await configWatch.close();
      await redis.quit();
    },
  };
});
