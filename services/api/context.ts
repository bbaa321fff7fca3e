import type { Redis } from 'ioredis';
import type { Config } from '../../libs/config/index.js';
import type { Queue } from 'bullmq';
import type { MetricsReader } from '../../libs/metrics/index.js';
import type { ObservationBatch } from '../../libs/queues/index.js';

/** What every route module reads: Redis, the configuration running now (it changes on reload), the clock. */
export interface ApiContext {
  redis: Redis;
  config(): Config;
  now(): Date;
  /** Where probe results are read from; absent when no InfluxDB is configured (INFLUX_URL unset). */
  metrics?: MetricsReader;
  /** The observation path: pushed results go onto it (routes/events.ts). */
  results: Queue<ObservationBatch>;
}

/** Epoch ms as the API shows time: ISO 8601. */
export function isoOf(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}
