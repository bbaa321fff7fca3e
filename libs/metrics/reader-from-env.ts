import { parseEnv } from '../env.js';
import { METRICS_ENV, type MetricsSettings } from './from-env.js';
import { InfluxV1Reader } from './influx-v1-reader.js';
import { InfluxV2Reader } from './influx-v2-reader.js';
import type { MetricsReader } from './reader.js';

/** Reads wait less than writes: a request is waiting on them. */
const READ_TIMEOUT_MS = 5_000;

/** The reader for the same settings the evaluator writes with, or undefined when metrics are off. */
export function metricsReaderFrom(settings: MetricsSettings): MetricsReader | undefined {
  switch (settings.api) {
    case 'none':
      return undefined;
    case 'influx-v1': {
      const { api: _, ...options } = settings;
      return new InfluxV1Reader({ timeoutMs: READ_TIMEOUT_MS, ...options });
    }
    case 'influx-v2': {
      const { api: _, ...options } = settings;
      return new InfluxV2Reader({ timeoutMs: READ_TIMEOUT_MS, ...options });
    }
  }
}

/** metricsReaderFrom the metrics variables of `env` (INFLUX_URL, INFLUX_VERSION, ...); throws EnvError naming any bad one. */
export function metricsReaderFromEnv(env: NodeJS.ProcessEnv = process.env): MetricsReader | undefined {
  return metricsReaderFrom(parseEnv(METRICS_ENV, env).metrics);
}
