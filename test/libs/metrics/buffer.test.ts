import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InfluxV1Writer, MetricsFlusher, toLine } from '../../../libs/metrics/index.js';
import { REDIS_KEYS } from '../../../libs/redis-keys.js';
import { startInfluxd, type LocalServer } from '../../../scripts/local-stack/servers.js';
import { eventually, influxUrl, isolatedRedisUrl, uniqueName } from '../../support/infra.js';

const log = pino({ level: 'silent' });

async function countPoints(writer: InfluxV1Writer, measurement: string): Promise<number> {
  const answer = await writer.query(`SELECT count(v) FROM ${measurement}`) as { results: Array<{ series?: Array<{ values: number[][] }> }> };
  return answer.results[0]?.series?.[0]?.values[0]?.[1] ?? 0;
}

function lines(measurement: string, count: number, startMs = 1_700_000_000_000): string[] {
  return Array.from({ length: count }, (_, i) => toLine({ measurement, tags: { check: `c${i % 7}` }, fields: { v: i }, timestampMs: startMs + i }));
}

describe('metrics buffer', () => {
  let redis: Redis;
  let flusher: MetricsFlusher | undefined;

  beforeAll(async () => {
    redis = new Redis(await isolatedRedisUrl());
  });
  afterEach(async () => {
    await flusher?.stop();
    flusher = undefined;
    await redis.del(REDIS_KEYS.metricsBuffer, REDIS_KEYS.metricsFlushLock);
  });
  afterAll(() => redis.quit());

  it('writes buffered points to InfluxDB and empties the buffer', async () => {
    const writer = new InfluxV1Writer({ url: influxUrl(), database: uniqueName('buffer') });
    await redis.rpush(REDIS_KEYS.metricsBuffer, ...lines('probe', 120));
    flusher = new MetricsFlusher({ redis, writer, log, idleMs: 50, batchSize: 50 });
    flusher.start();
    await eventually('all points written', async () => (await countPoints(writer, 'probe')) === 120 || undefined);
    await eventually('buffer emptied', async () => (await redis.llen(REDIS_KEYS.metricsBuffer)) === 0 || undefined);
  });

  it('writing the same point twice stores it once (a retried probe overwrites itself)', async () => {
    const writer = new InfluxV1Writer({ url: influxUrl(), database: uniqueName('buffer') });
    const batch = lines('probe', 10);
    await redis.rpush(REDIS_KEYS.metricsBuffer, ...batch, ...batch);
    flusher = new MetricsFlusher({ redis, writer, log, idleMs: 50 });
    flusher.start();
    await eventually('buffer emptied', async () => (await redis.llen(REDIS_KEYS.metricsBuffer)) === 0 || undefined);
    expect(await countPoints(writer, 'probe')).toBe(10);
  });

  it('drops only the points InfluxDB rejects as malformed, logging each, and stores their neighbours', async () => {
    const writer = new InfluxV1Writer({ url: influxUrl(), database: uniqueName('buffer') });
    const good = lines('probe', 40);
    await redis.rpush(REDIS_KEYS.metricsBuffer, ...good.slice(0, 25), 'this is not line protocol', ...good.slice(25));
    const logged: string[] = [];
    flusher = new MetricsFlusher({ redis, writer, log: pino({ level: 'error' }, { write: (line: string) => logged.push(line) }), idleMs: 50 });
    flusher.start();
    await eventually('batch handled', async () => (await redis.llen(REDIS_KEYS.metricsBuffer)) === 0 || undefined);
    expect(await countPoints(writer, 'probe')).toBe(40);
    expect(logged.filter((line) => line.includes('this is not line protocol'))).toHaveLength(1);
  });

  describe('while InfluxDB is down', () => {
    let dataDir: string;
    let influxd: LocalServer;
    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'vigil-influx-outage-'));
      influxd = await startInfluxd({ dataDir });
    });
    afterAll(async () => {
      await influxd.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('keeps every point in Redis and writes all of them, exactly once, when InfluxDB returns', async () => {
      const writer = new InfluxV1Writer({ url: influxd.url, database: 'outage' });
      flusher = new MetricsFlusher({ redis, writer, log, idleMs: 50, maxBackoffMs: 300 });
      flusher.start();
      await redis.rpush(REDIS_KEYS.metricsBuffer, ...lines('probe', 100));
      await eventually('first points written', async () => (await countPoints(writer, 'probe')) === 100 || undefined);

      await influxd.stop();
      await redis.rpush(REDIS_KEYS.metricsBuffer, ...lines('probe', 250, 1_700_000_100_000));
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(await redis.llen(REDIS_KEYS.metricsBuffer)).toBe(250);

      influxd = await startInfluxd({ dataDir, port: influxd.port });
      await eventually('buffer drained', async () => (await redis.llen(REDIS_KEYS.metricsBuffer)) === 0 || undefined, 20_000);
      expect(await countPoints(writer, 'probe')).toBe(350);
    });
  });
});
