import { describe, expect, it } from 'vitest';
import { InfluxV1Reader } from '../../../libs/metrics/index.js';
import { probeLine, monitoringHarness, type ProbeRow } from './metrics-support.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 11, 3, 12, 0, 0);

const CONFIG = `checks:
  - { id: web, type: http, url: "http://127.0.0.1:1/", interval: 1m }
  - { id: slow, type: tcp, host: 127.0.0.1, port: 1, interval: 2h }
  - { id: db, type: tcp, host: 127.0.0.1, port: 1 }
  - { id: beat, type: heartbeat, period: 1h, grace: 5m }
`;

const NOTHING = { uptime24h: null, latencyMs: null, sparkline: Array(30).fill(null) };

/**
 * `web`: a result a minute for 24 h, down from 12 h to 11 h ago and 20 ms for the last 30
 * minutes (10 ms before); `slow`: a result every 2 h, all up; `db`: nothing stored.
 */
function rows(): ProbeRow[] {
  const result: ProbeRow[] = [];
  for (let atMs = NOW - DAY; atMs < NOW; atMs += MIN) {
    const down = atMs >= NOW - 12 * HOUR && atMs < NOW - 11 * HOUR;
    result.push({ check: 'web', atMs, success: !down, totalMs: atMs >= NOW - 30 * MIN ? 20 : 10 });
  }
  for (let atMs = NOW - DAY; atMs < NOW; atMs += 2 * HOUR) result.push({ check: 'slow', atMs, success: true, totalMs: 3 });
  return result;
}

describe('GET /overview', () => {
  const harness = monitoringHarness();

  it('gives every check its 24 h uptime, newest latency and the last hour\'s latency in 30 buckets', async () => {
    const { reader } = await harness.database(rows());
    const api = await harness.start(CONFIG, { metrics: reader, now: () => new Date(NOW) });
    const { status, body } = await api.call('/overview');
    expect(status).toBe(200);
    expect(body.generatedAt).toBe(new Date(NOW).toISOString());
    // 30 buckets of 2 minutes on a fixed grid: the newest has just begun and holds nothing yet.
    const sparkline = [...Array(14).fill(10), ...Array(15).fill(20), null];
    expect(body.checks).toEqual([
      { id: 'web', uptime24h: 23 / 24, latencyMs: 20, sparkline },
      { id: 'slow', uptime24h: 1, latencyMs: null, sparkline: Array(30).fill(null) },
      { id: 'db', ...NOTHING },
      { id: 'beat', ...NOTHING },
    ]);
  });

  it('answers the same figures for 30 seconds, then fresh ones', async () => {
    const { reader, writer } = await harness.database(rows());
    let nowMs = NOW;
    const api = await harness.start(CONFIG, { metrics: reader, now: () => new Date(nowMs) });
    const first = (await api.call('/overview')).body;
    await writer.write([probeLine({ check: 'db', atMs: NOW + 1_000, success: true, totalMs: 7 })]);
    nowMs = NOW + 29_000;
    expect((await api.call('/overview')).body).toEqual(first);
    nowMs = NOW + 30_000;
    const fresh = (await api.call('/overview')).body;
    expect(fresh.generatedAt).toBe(new Date(NOW + 30_000).toISOString());
    expect(fresh.checks[2]).toMatchObject({ id: 'db', latencyMs: 7 });
  });

  it('answers nulls for every check when no InfluxDB is configured', async () => {
    const api = await harness.start(CONFIG, { now: () => new Date(NOW) });
    const { status, body } = await api.call('/overview');
    expect(status).toBe(200);
    expect(body.checks).toEqual(['web', 'slow', 'db', 'beat'].map((id) => ({ id, ...NOTHING })));
  });

  it('answers 503 naming InfluxDB when it does not answer', async () => {
    const api = await harness.start(CONFIG, { metrics: new InfluxV1Reader({ url: 'http://127.0.0.1:1', database: 'vigil' }), now: () => new Date(NOW) });
    expect(await api.call('/overview')).toMatchObject({ status: 503, body: { code: 'VIGIL_API_METRICS_UNAVAILABLE', message: expect.stringMatching(/InfluxDB/) } });
  });
});
