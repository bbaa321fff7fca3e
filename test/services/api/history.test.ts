import { describe, expect, it } from 'vitest';
import { InfluxV1Reader } from '../../../libs/metrics/index.js';
import { influxUrl, uniqueName } from '../../support/infra.js';
import { monitoringHarness, type ProbeRow } from './metrics-support.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 11, 3, 12, 0, 0);
const now = () => new Date(NOW);
const iso = (ms: number) => new Date(ms).toISOString();

const CONFIG = `checks:
  - { id: web, type: http, url: "http://127.0.0.1:1/", interval: 1m }
  - { id: beat, type: heartbeat, period: 1h, grace: 5m }
`;

/**
 * The last 24 hours of `web`, one result a minute, hour by hour from 24 h ago: four hours up
 * (50 ms), an hour with nothing stored, an hour down, an hour in maintenance, an hour failing
 * one probe in five, then sixteen hours up (10 ms).
 */
function lastDay(): ProbeRow[] {
  const rows: ProbeRow[] = [];
  for (let minute = 0; minute < 24 * 60; minute += 1) {
    const atMs = NOW - DAY + minute * MIN;
    const hour = Math.floor(minute / 60);
    if (hour < 4) rows.push({ check: 'web', atMs, success: true, totalMs: 50 });
    else if (hour === 4) continue;
    else if (hour === 5) rows.push({ check: 'web', atMs, success: false, totalMs: 5_000 });
    else if (hour === 6) rows.push({ check: 'web', atMs, success: false, state: 'maintenance', totalMs: 5_000 });
    else if (hour === 7) rows.push(minute % 5 === 4 ? { check: 'web', atMs, success: false, totalMs: 5_000 } : { check: 'web', atMs, success: true, state: 'down' });
    else rows.push({ check: 'web', atMs, success: true });
  }
  return rows;
}

/** 20 h 48 min up, 1 h 12 min down, 1 h maintenance, 1 h unknown. */
const UP_MS = (4 * 60 + 48 + 16 * 60) * MIN;
const DOWN_MS = 72 * MIN;

describe('GET /checks/:id/uptime', () => {
  const harness = monitoringHarness();

  it('counts time, not results: a gap is unknown, maintenance is left out', async () => {
    const { reader } = await harness.database(lastDay());
    const api = await harness.start(CONFIG, { metrics: reader, now });
    const { status, body } = await api.call('/checks/web/uptime');
    expect(status).toBe(200);
    expect(body.checkId).toBe('web');
    const uptime = UP_MS / (UP_MS + DOWN_MS);
    expect(body.windows).toEqual([
      { window: '24h', uptime, upMs: UP_MS, downMs: DOWN_MS, unknownMs: HOUR, maintenanceMs: HOUR, latencyP50Ms: 10, latencyP95Ms: 50 },
      { window: '7d', uptime, upMs: UP_MS, downMs: DOWN_MS, unknownMs: 6 * DAY + HOUR, maintenanceMs: HOUR, latencyP50Ms: 10, latencyP95Ms: 50 },
      { window: '30d', uptime, upMs: UP_MS, downMs: DOWN_MS, unknownMs: 29 * DAY + HOUR, maintenanceMs: HOUR, latencyP50Ms: 10, latencyP95Ms: 50 },
    ]);
  });

  it('adds up the results of every region', async () => {
    const rows: ProbeRow[] = [];
    for (let atMs = NOW - DAY; atMs < NOW; atMs += MIN) {
      rows.push({ check: 'web', atMs, success: true, region: 'eu' }, { check: 'web', atMs, success: false, region: 'us' });
    }
    const { reader } = await harness.database(rows);
    const api = await harness.start(CONFIG, { metrics: reader, now });
    const [day] = (await api.call('/checks/web/uptime')).body.windows;
    expect(day).toMatchObject({ window: '24h', uptime: 0.5, upMs: DAY / 2, downMs: DAY / 2, unknownMs: 0 });
  });

  it('answers null uptime when nothing is known', async () => {
    const { reader } = await harness.database([]);
    const api = await harness.start(CONFIG, { metrics: reader, now });
    const [day] = (await api.call('/checks/web/uptime')).body.windows;
    expect(day).toEqual({ window: '24h', uptime: null, upMs: 0, downMs: 0, unknownMs: DAY, maintenanceMs: 0, latencyP50Ms: null, latencyP95Ms: null });
  });

  it('answers nulls for a heartbeat check, which has no probe results', async () => {
    const { reader } = await harness.database(lastDay());
    const api = await harness.start(CONFIG, { metrics: reader, now });
    const { status, body } = await api.call('/checks/beat/uptime');
    expect(status).toBe(200);
    expect(body.windows.map((window: { uptime: unknown; latencyP50Ms: unknown }) => [window.uptime, window.latencyP50Ms])).toEqual([[null, null], [null, null], [null, null]]);
  });

  it('answers 404 for a check that is not configured', async () => {
    const { reader } = await harness.database([]);
    const api = await harness.start(CONFIG, { metrics: reader, now });
    expect(await api.call('/checks/nope/uptime')).toMatchObject({ status: 404, body: { code: 'VIGIL_API_NOT_FOUND' } });
  });

  it('answers 503 naming InfluxDB when it does not answer', async () => {
    const api = await harness.start(CONFIG, { metrics: new InfluxV1Reader({ url: 'http://127.0.0.1:1', database: 'vigil' }), now });
    expect(await api.call('/checks/web/uptime')).toMatchObject({ status: 503, body: { code: 'VIGIL_API_METRICS_UNAVAILABLE', message: expect.stringMatching(/InfluxDB.*127\.0\.0\.1:1/) } });
  });

  it('answers 503 saying INFLUX_URL is not set when no InfluxDB is configured', async () => {
    const api = await harness.start(CONFIG, { now });
    expect(await api.call('/checks/web/uptime')).toMatchObject({ status: 503, body: { code: 'VIGIL_API_METRICS_UNAVAILABLE', message: expect.stringMatching(/INFLUX_URL/) } });
  });
});

describe('GET /checks/:id/history', () => {
  const harness = monitoringHarness();
  const empty = { latencyP50Ms: null, latencyP95Ms: null, latencyMeanMs: null, upRatio: null, results: 0 };

  it('answers every bucket: latency of successful probes, share up without maintenance, result count; gaps as nulls', async () => {
    const { reader } = await harness.database(lastDay());
    const api = await harness.start(CONFIG, { metrics: reader, now });
    const fromMs = NOW - 21 * HOUR;
    const { status, body } = await api.call(`/checks/web/history?from=${iso(fromMs)}&to=${iso(NOW - 16 * HOUR)}&points=10`);
    expect(status).toBe(200);
    const at = (index: number) => iso(fromMs + index * 30 * MIN);
    const up50 = { latencyP50Ms: 50, latencyP95Ms: 50, latencyMeanMs: 50, upRatio: 1, results: 30 };
    const down = { latencyP50Ms: null, latencyP95Ms: null, latencyMeanMs: null, upRatio: 0, results: 30 };
    const maintenance = { ...down, upRatio: null };
    const mixed = { latencyP50Ms: 10, latencyP95Ms: 10, latencyMeanMs: 10, upRatio: 0.8, results: 30 };
    expect(body).toEqual({
      checkId: 'web', from: iso(fromMs), to: iso(NOW - 16 * HOUR), stepMs: 30 * MIN,
      points: [up50, up50, empty, empty, down, down, maintenance, maintenance, mixed, mixed].map((point, index) => ({ at: at(index), ...point })),
    });
  });

  it('covers the last 24 hours in 200 points by default', async () => {
    const { reader } = await harness.database(lastDay());
    const api = await harness.start(CONFIG, { metrics: reader, now });
    const { body } = await api.call('/checks/web/history');
    expect(body).toMatchObject({ from: iso(NOW - DAY), to: iso(NOW), stepMs: 432_000 });
    expect(body.points).toHaveLength(200);
    expect(body.points[199]).toEqual({ at: iso(NOW - 432_000), latencyP50Ms: 10, latencyP95Ms: 10, latencyMeanMs: 10, upRatio: 1, results: 7 });
  });

  it('covers the range asked for, ending now', async () => {
    const { reader } = await harness.database(lastDay());
    const api = await harness.start(CONFIG, { metrics: reader, now });
    const { body } = await api.call('/checks/web/history?range=1h&points=60');
    expect(body).toMatchObject({ from: iso(NOW - HOUR), to: iso(NOW), stepMs: MIN });
    expect(body.points.map((point: { results: number }) => point.results)).toEqual(Array(60).fill(1));
  });

  it('answers empty buckets before InfluxDB has a database', async () => {
    const api = await harness.start(CONFIG, { metrics: new InfluxV1Reader({ url: influxUrl(), database: uniqueName('missing') }), now });
    const { status, body } = await api.call('/checks/web/history?range=1h&points=10');
    expect(status).toBe(200);
    expect(body.points).toHaveLength(10);
    expect(body.points[0]).toEqual({ at: iso(NOW - HOUR), ...empty });
  });

  it('answers empty buckets for a heartbeat check', async () => {
    const api = await harness.start(CONFIG, { now });
    const { status, body } = await api.call('/checks/beat/history?range=6h&points=10');
    expect(status).toBe(200);
    expect(body.points).toHaveLength(10);
    expect(body.points.every((point: object) => JSON.stringify(point) === JSON.stringify({ ...{ at: (point as { at: string }).at }, ...empty }))).toBe(true);
  });

  it.each([
    ['an unknown range', '?range=2h', 'query.range'],
    ['too few points', '?points=5', 'query.points'],
    ['too many points', '?points=1001', 'query.points'],
    ['a range and a start', `?range=1h&from=${iso(NOW - HOUR)}`, 'query.range'],
    ['an end without a start', `?to=${iso(NOW)}`, 'query.from'],
    ['a start that is no date', '?from=yesterday', 'query.from'],
    ['an end before the start', `?from=${iso(NOW)}&to=${iso(NOW - HOUR)}`, 'query.to'],
    ['a start in the future without an end', `?from=${iso(NOW + HOUR)}`, 'query.from'],
  ])('answers 400 naming the field for %s', async (_, query, field) => {
    const { reader } = await harness.database([]);
    const api = await harness.start(CONFIG, { metrics: reader, now });
    expect(await api.call(`/checks/web/history${query}`)).toMatchObject({ status: 400, body: { code: 'VIGIL_API_INVALID', problems: [{ field }] } });
  });

  it('answers 404 for a check that is not configured', async () => {
    const { reader } = await harness.database([]);
    const api = await harness.start(CONFIG, { metrics: reader, now });
    expect(await api.call('/checks/nope/history')).toMatchObject({ status: 404, body: { code: 'VIGIL_API_NOT_FOUND' } });
  });

  it('answers 503 naming InfluxDB when it does not answer', async () => {
    const api = await harness.start(CONFIG, { metrics: new InfluxV1Reader({ url: 'http://127.0.0.1:1', database: 'vigil' }), now });
    expect(await api.call('/checks/web/history')).toMatchObject({ status: 503, body: { code: 'VIGIL_API_METRICS_UNAVAILABLE', message: expect.stringMatching(/InfluxDB/) } });
  });

  it('answers 503 saying INFLUX_URL is not set when no InfluxDB is configured', async () => {
    const api = await harness.start(CONFIG, { now });
    expect(await api.call('/checks/web/history')).toMatchObject({ status: 503, body: { code: 'VIGIL_API_METRICS_UNAVAILABLE', message: expect.stringMatching(/INFLUX_URL/) } });
  });
});
