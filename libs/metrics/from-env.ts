import { z } from 'zod';
import { httpUrl, oneOf, parseEnv, text } from '../env.js';
import { InfluxV1Writer, type InfluxV1Options } from './influx-v1.js';
import { InfluxV2Writer, type InfluxV2Options } from './influx-v2.js';
import type { MetricsWriter } from './writer.js';

/** Where probe results are stored: InfluxDB through one of its two APIs, or nowhere. */
export type MetricsSettings =
  | { api: 'none' }
  | ({ api: 'influx-v1' } & InfluxV1Options)
  | ({ api: 'influx-v2' } & InfluxV2Options);

const V2_SETTINGS = ['INFLUX_TOKEN', 'INFLUX_ORG', 'INFLUX_BUCKET'] as const;

/**
 * The metrics part of a service's environment (the evaluator's). INFLUX_VERSION chooses the
 * API: "1" (/write, the local stack's Debian influxd) or "2" (2.x / 3.x through
 * @influxdata/influxdb-client; "3" is the same). Without INFLUX_URL metrics are off.
 */
export const METRICS_ENV = z.object({
  INFLUX_URL: httpUrl().optional(),
  INFLUX_VERSION: oneOf(['1', '2', '3']).default('1'),
  INFLUX_DATABASE: text().default('vigil'),
  INFLUX_RETENTION_POLICY: text().optional(),
  INFLUX_USERNAME: text().optional(),
  INFLUX_PASSWORD: text().optional(),
  INFLUX_TOKEN: text().optional(),
  INFLUX_ORG: text().optional(),
  INFLUX_BUCKET: text().optional(),
}).superRefine((vars, ctx) => {
  if (vars.INFLUX_URL === undefined || vars.INFLUX_VERSION === '1') return;
  for (const name of V2_SETTINGS) {
    if (vars[name] === undefined) ctx.addIssue({ code: 'custom', path: [name], message: `is not set, and INFLUX_VERSION=${vars.INFLUX_VERSION} needs it` });
  }
}).transform((vars): { metrics: MetricsSettings } => {
  const url = vars.INFLUX_URL?.replace(/\/+$/, '');
  if (url === undefined) return { metrics: { api: 'none' } };
  if (vars.INFLUX_VERSION === '1') {
    return {
      metrics: {
        api: 'influx-v1',
        url,
        database: vars.INFLUX_DATABASE,
        ...(vars.INFLUX_RETENTION_POLICY === undefined ? {} : { retentionPolicy: vars.INFLUX_RETENTION_POLICY }),
        ...(vars.INFLUX_USERNAME === undefined ? {} : { username: vars.INFLUX_USERNAME, password: vars.INFLUX_PASSWORD ?? '' }),
      },
    };
  }
  // The refinement above made sure all three are set.
  return { metrics: { api: 'influx-v2', url, token: vars.INFLUX_TOKEN!, org: vars.INFLUX_ORG!, bucket: vars.INFLUX_BUCKET! } };
});

/** The writer the settings ask for, or undefined when metrics are off. */
export function metricsWriterFrom(settings: MetricsSettings): MetricsWriter | undefined {
  switch (settings.api) {
    case 'none':
      return undefined;
    case 'influx-v1': {
      const { api: _, ...options } = settings;
      return new InfluxV1Writer(options);
    }
    case 'influx-v2': {
      const { api: _, ...options } = settings;
      return new InfluxV2Writer(options);
    }
  }
}

/** metricsWriterFrom the metrics variables of `env`; throws EnvError naming any bad one. */
export function metricsWriterFromEnv(env: NodeJS.ProcessEnv = process.env): MetricsWriter | undefined {
  return metricsWriterFrom(parseEnv(METRICS_ENV, env).metrics);
}
