import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { parseConfig } from '../../../libs/config/index.js';
import { shaOf } from '../../../libs/config-sync.js';
import { InfluxV1Reader, InfluxV1Writer, toLine, type MetricsReader } from '../../../libs/metrics/index.js';
import { buildApiServer } from '../../../services/api/server.js';
import { influxUrl, isolatedRedisUrl, uniqueName } from '../../support/infra.js';
import { ADMIN_TOKEN, READ_TOKEN, TOKENS_YAML, type Answer } from './support.js';

export interface ProbeRow {
  check: string;
  atMs: number;
  success: boolean;
  state?: string;
  totalMs?: number;
  region?: string;
}

/** A probe result as the evaluator writes it (services/evaluator/points.ts probePoint). */
export function probeLine(row: ProbeRow): string {
  return toLine({
    measurement: 'probe',
    tags: { check: row.check, check_type: 'http', region: row.region ?? 'default' },
    fields: { success: row.success, state: row.state ?? (row.success ? 'up' : 'down'), total_ms: row.totalMs ?? 10 },
    timestampMs: row.atMs,
  });
}

export interface MonitoringApi {
  call(path: string, token?: string): Promise<Answer>;
}

/**
 * An api server over a real Redis and a real influxd, with a clock the test sets. Each test
 * gets a database of its own; `metrics` overrides the reader (none, or an unreachable one).
 */
export function monitoringHarness() {
  let redis: Redis;
  const servers: Array<{ close(): Promise<unknown> }> = [];
  beforeAll(async () => {
    redis = new Redis(await isolatedRedisUrl(), { maxRetriesPerRequest: 1 });
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  afterAll(() => redis.disconnect());

  return {
    /** A new database holding `rows`. */
    async database(rows: ProbeRow[]): Promise<{ reader: MetricsReader; writer: InfluxV1Writer }> {
      const options = { url: influxUrl(), database: uniqueName('api') };
      const writer = new InfluxV1Writer(options);
      await writer.prepare();
      if (rows.length > 0) await writer.write(rows.map(probeLine));
      return { reader: new InfluxV1Reader(options), writer };
    },
    async start(yaml: string, options: { metrics?: MetricsReader | undefined; now: () => Date }): Promise<MonitoringApi> {
      const full = `${yaml}${TOKENS_YAML}`;
      const snapshot = { config: parseConfig(full, { ADMIN: ADMIN_TOKEN, READER: READ_TOKEN }, 'test.yaml'), sha: shaOf(full), source: 'test.yaml' };
      const app = buildApiServer({ redis, log: pino({ level: 'silent' }), snapshot: () => snapshot, now: options.now, ...(options.metrics ? { metrics: options.metrics } : {}) });
      servers.push(app);
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      return {
        async call(path, token = READ_TOKEN) {
          const response = await fetch(`${url}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
          const text = await response.text();
          return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
        },
      };
    },
  };
}
