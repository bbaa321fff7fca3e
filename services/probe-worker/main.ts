import { createRedis, DEFAULT_REGION, redisUrlFrom } from '../../libs/queues/index.js';
import { runService } from '../../libs/service.js';
import { startProbeWorker } from './worker.js';

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name}: expected a whole number >= 1, got "${raw}"`);
  return value;
}

/** Needs no configuration file: checks come from the registry in Redis. */
runService('probe-worker', async (log) => {
  const redis = createRedis(redisUrlFrom());
  redis.on('error', (err) => log.warn({ err }, 'redis connection error'));
  const region = process.env.REGION ?? DEFAULT_REGION;
  const concurrency = positiveInt('PROBE_CONCURRENCY', 500);
  const hostConcurrency = positiveInt('PROBE_HOST_CONCURRENCY', Math.max(1, Math.ceil(concurrency / 4)));
  const worker = startProbeWorker({ redis, log: log.child({ region }), region, concurrency, hostConcurrency });
  log.info({ region, concurrency, hostConcurrency }, 'taking probes');
  return {
    async close() {
      await worker.close();
      await redis.quit();
    },
  };
});
