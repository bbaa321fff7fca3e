import { z } from 'zod';
import { duration, parseEnv, REDIS_ENV, region, wholeNumber } from '../../libs/env.js';
import { createRedis, DEFAULT_REGION } from '../../libs/queues/index.js';
import { redisPing } from '../../libs/self-monitoring/readiness.js';
import { runService } from '../../libs/service.js';
import { createProbeMetrics } from './metrics.js';
import { DEFAULT_MAX_START_DELAY_MS, startProbeWorker } from './worker.js';

/** Needs no configuration file: checks come from the registry in Redis. */
const PROBE_WORKER_ENV = z.object({
  ...REDIS_ENV,
  /** The region whose probes this worker takes (`probes-<region>`). */
  REGION: region().default(DEFAULT_REGION),
  /** Probes in flight in this process. */
  PROBE_CONCURRENCY: wholeNumber(1).default(500),
  /** Probes in flight per target host; a quarter of PROBE_CONCURRENCY unless set, so one slow host cannot take every slot. */
  PROBE_HOST_CONCURRENCY: wholeNumber(1).optional(),
  /** How late a probe may start because this worker is behind; later ones are dropped and counted. */
  PROBE_MAX_START_DELAY: duration().default(DEFAULT_MAX_START_DELAY_MS),
}).transform(({ PROBE_HOST_CONCURRENCY, ...env }) => ({
  ...env,
  PROBE_HOST_CONCURRENCY: PROBE_HOST_CONCURRENCY ?? Math.max(1, Math.ceil(env.PROBE_CONCURRENCY / 4)),
}));

runService('probe-worker', async (log, { metrics }) => {
  const env = parseEnv(PROBE_WORKER_ENV);
  const redis = createRedis(env.REDIS_URL);
  redis.on('error', (err) => log.warn({ err }, 'redis connection error'));
  const { REGION: region, PROBE_CONCURRENCY: concurrency, PROBE_HOST_CONCURRENCY: hostConcurrency, PROBE_MAX_START_DELAY: maxStartDelayMs } = env;
  const worker = startProbeWorker({ redis, log: log.child({ region }), region, concurrency, hostConcurrency, maxStartDelayMs, metrics: createProbeMetrics(metrics) });
  log.info({ region, concurrency, hostConcurrency, maxStartDelayMs }, 'taking probes');
  return {
    readiness: { redis: redisPing(redis) },
    async close() {
      await worker.close();
      await redis.quit();
    },
  };
});
