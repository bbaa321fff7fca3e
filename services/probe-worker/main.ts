import { createRedis, DEFAULT_REGION, redisUrlFrom } from '../../libs/queues/index.js';
import { runService } from '../../libs/service.js';
import { startProbeWorker } from './worker.js';

/** Needs no configuration file: each probe job carries the check it runs. */
runService('probe-worker', async (log) => {
  const redis = createRedis(redisUrlFrom());
  for (const connection of [redis]) connection.on('error', (err) => log.warn({ err }, 'redis connection error'));
  const region = process.env.REGION ?? DEFAULT_REGION;
  const concurrency = Number(process.env.PROBE_CONCURRENCY ?? 50);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`PROBE_CONCURRENCY: expected a whole number >= 1, got "${process.env.PROBE_CONCURRENCY}"`);
  const worker = startProbeWorker({ redis, log: log.child({ region }), region, concurrency });
  log.info({ region, concurrency }, 'taking probes');
  return {
    async close() {
      await worker.close();
      await redis.quit();
    },
  };
});
