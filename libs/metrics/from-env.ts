import { InfluxV1Writer } from './influx-v1.js';
import { InfluxV2Writer } from './influx-v2.js';
import type { MetricsWriter } from './writer.js';

/**
 * INFLUX_VERSION chooses the API: "1" (/write, the local stack's Debian influxd) or "2"
 * (2.x / 3.x through @influxdata/influxdb-client). Without INFLUX_URL metrics are off.
 */
export function metricsWriterFromEnv(env: NodeJS.ProcessEnv = process.env): MetricsWriter | undefined {
  const url = env.INFLUX_URL?.replace(/\/+$/, '');
  if (!url) return undefined;
  const version = env.INFLUX_VERSION ?? '1';
  if (version === '1') {
    return new InfluxV1Writer({
      url,
      database: env.INFLUX_DATABASE ?? 'vigil',
      ...(env.INFLUX_RETENTION_POLICY ? { retentionPolicy: env.INFLUX_RETENTION_POLICY } : {}),
      ...(env.INFLUX_USERNAME ? { username: env.INFLUX_USERNAME, password: env.INFLUX_PASSWORD ?? '' } : {}),
    });
  }
  if (version === '2' || version === '3') {
    const missing = ['INFLUX_TOKEN', 'INFLUX_ORG', 'INFLUX_BUCKET'].filter((name) => !env[name]);
    if (missing.length > 0) throw new Error(`INFLUX_VERSION=${version} needs ${missing.join(', ')}`);
    return new InfluxV2Writer({ url, token: env.INFLUX_TOKEN!, org: env.INFLUX_ORG!, bucket: env.INFLUX_BUCKET! });
  }
  throw new Error(`INFLUX_VERSION: expected "1" or "2", got "${version}"`);
}
