import { z } from 'zod';
import { followConfigChanges, loadStartupConfig } from '../../libs/config-sync.js';
import { CONFIG_ENV, parseEnv, REDIS_ENV, wholeNumber } from '../../libs/env.js';
import { createRedis } from '../../libs/queues/index.js';
import { REDIS_KEYS } from '../../libs/redis-keys.js';
import { pipelineQueues, registerQueueDepths } from '../../libs/self-monitoring/queue-depths.js';
import { redisPing } from '../../libs/self-monitoring/readiness.js';
import { runService } from '../../libs/service.js';
import { DEFAULT_SLOT_MS } from './plan.js';
import { startScheduler } from './scheduler.js';

const SCHEDULER_ENV = z.object({
  ...REDIS_ENV,
  ...CONFIG_ENV,
  /** Width of a probe slot: checks due within the same slot share one job. */
  VIGIL_SLOT_MS: wholeNumber(1).default(DEFAULT_SLOT_MS),
});

runService('scheduler', async (log, { metrics }) => {
  const env = parseEnv(SCHEDULER_ENV);
  const redis = createRedis(env.REDIS_URL);
  const subscriber = createRedis(env.REDIS_URL);
  for (const connection of [redis, subscriber]) connection.on('error', (err) => log.warn({ err }, 'redis connection error'));
  const snapshot = await loadStartupConfig(redis, log);
  const scheduler = await startScheduler({ redis, log, config: snapshot.config, slotMs: env.VIGIL_SLOT_MS });
  // Queue depths are the scheduler's to expose (libs/self-monitoring/queue-depths.ts): it knows the regions.
  let queues = pipelineQueues(snapshot.config.checks);
  const depths = registerQueueDepths(metrics, { redis, queues: () => queues });
  await followConfigChanges(subscriber, redis, log, snapshot.sha, ({ config }) => {
    queues = pipelineQueues(config.checks);
    return scheduler.apply(config);
  });
  // Checks that start or stop failing switch between interval and retryInterval.
  subscriber.on('message', (channel: string) => {
    if (channel === REDIS_KEYS.failingChanged) void scheduler.resync('failing checks changed');
  });
  await subscriber.subscribe(REDIS_KEYS.failingChanged);
  return {
    readiness: { redis: redisPing(redis) },
    async close() {
      await scheduler.close();
      await depths.close();
      subscriber.disconnect();
      await redis.quit();
    },
  };
});
