import { describe, expect, it } from 'vitest';
import { parseConfig, type CheckConfig } from '../../../libs/config/index.js';
import type { ProbeResult } from '../../../libs/queues/index.js';
import { applyResults, type Change } from '../../../services/evaluator/apply.js';
import type { StoredState } from '../../../services/evaluator/stored-state.js';

function checksOf(yaml: string): Map<string, CheckConfig> {
  return new Map(parseConfig(yaml).checks.map((check) => [check.id, check]));
}

function result(scheduledAt: number, overrides: Partial<ProbeResult> = {}): ProbeResult {
  return { checkId: 'api', checkType: 'tcp', region: 'default', scheduledAt, startedAt: scheduledAt, ok: true, timings: { totalMs: 10 }, workerId: 'w', ...overrides };
}

const failed = (scheduledAt: number, region = 'default'): ProbeResult => result(scheduledAt, { ok: false, region, errorClass: 'refused', message: 'connect ECONNREFUSED' });

/** Applies results one batch each, in order, and returns every change and the final states. */
function run(checks: Map<string, CheckConfig>, results: ProbeResult[], from = new Map<string, StoredState>(), context = {}) {
  const states = new Map(from);
  const changes: Change[] = [];
  for (const item of results) {
    const applied = applyResults([item], checks, states, context);
    for (const change of applied.changes) {
      states.set(change.subject, change.after);
      changes.push(change);
    }
  }
  const notified = changes.flatMap((change) => change.raised.filter((raised) => raised.notify).map((raised) => ({ ...raised.event, rule: raised.rule, subject: change.subject })));
  return { states, changes, notified };
}

const SECOND = 1_000;

describe('latency rule', () => {
  const checks = checksOf(`
checks:
  - { id: api, type: tcp, host: 127.0.0.1, port: 1, interval: 10s, latency: { p95: 800ms, over: 1m } }
`);

  it('fires LatencyHigh when the p95 over the window is above the limit, with the value it saw', () => {
    const { notified, changes } = run(checks, [result(SECOND, { timings: { totalMs: 900 } })]);
    expect(notified).toMatchObject([{ status: 'firing', rule: 'latency', labels: { alertname: 'LatencyHigh', check: 'api' } }]);
    expect(changes[0]!.raised[0]!.value).toBe('p95 900ms over 1 results');
  });

  it('resolves once enough fast results bring the p95 under the limit', () => {
    // p95 of 20 samples is the 19th slowest: one slow sample among 20 no longer counts.
    const fast = Array.from({ length: 19 }, (_, i) => result((i + 2) * SECOND, { timings: { totalMs: 50 } }));
    const { notified } = run(checks, [result(SECOND, { timings: { totalMs: 900 } }), ...fast]);
    expect(notified.map((event) => event.status)).toEqual(['firing', 'resolved']);
  });

  it('ignores the time of failed probes, which is their timeout', () => {
    const { notified } = run(checks, [result(SECOND, { ok: false, message: 'timeout', timings: { totalMs: 5_000 } })]);
    expect(notified.filter((event) => event.rule === 'latency')).toEqual([]);
  });
});

describe('certificate rule', () => {
  const checks = checksOf(`
checks:
  - { id: api, type: tls, host: 127.0.0.1, port: 1, certificate: { warn: 21d, critical: 7d } }
`);
  const days = (scheduledAt: number, certDaysLeft: number) => result(scheduledAt, { checkType: 'tls', certDaysLeft });

  it('raises one alert whose severity moves from warning to critical, then resolves on renewal', () => {
    const { notified } = run(checks, [days(1, 30), days(2, 20), days(3, 19), days(4, 6), days(5, 5), days(6, 90)]);
    expect(notified.map((event) => [event.status, event.labels.severity])).toEqual([['firing', 'warning'], ['firing', 'critical'], ['resolved', 'critical']]);
    expect(new Set(notified.map((event) => event.fingerprint)).size).toBe(1);
    expect(new Set(notified.map((event) => event.startsAt)).size).toBe(1);
  });

  it('leaves the alert as it is when a probe saw no certificate', () => {
    const { notified } = run(checks, [days(1, 20), result(2, { checkType: 'tls', ok: false, message: 'refused' })]);
    expect(notified.filter((event) => event.rule === 'certificate').map((event) => event.status)).toEqual(['firing']);
  });
});

describe('anomaly rule', () => {
  const checks = checksOf(`
checks:
  - { id: api, type: tcp, host: 127.0.0.1, port: 1, failureThreshold: 3, anomaly: { window: 40, minSamples: 20 } }
`);
  const normal = (count: number, from = 1) => Array.from({ length: count }, (_, i) => result((from + i) * SECOND, { timings: { totalMs: 100 + (i % 5) } }));
  const slow = (count: number, from: number) => Array.from({ length: count }, (_, i) => result((from + i) * SECOND, { timings: { totalMs: 400 } }));

  it('fires after three results in a row far slower than the check\'s normal', () => {
    const { notified } = run(checks, [...normal(25), ...slow(3, 26)]);
    expect(notified).toMatchObject([{ status: 'firing', rule: 'anomaly', labels: { alertname: 'LatencyAnomaly' } }]);
    expect(notified[0]!.startsAt).toBe(new Date(28 * SECOND).toISOString());
  });

  it('does not fire on two slow results in a row', () => {
    expect(run(checks, [...normal(25), ...slow(2, 26), ...normal(3, 28)]).notified).toEqual([]);
  });

  it('never fires before it has its minimum of samples', () => {
    expect(run(checks, [...normal(10), ...slow(5, 11)]).notified).toEqual([]);
  });

  it('resolves after three normal results in a row', () => {
    const { notified } = run(checks, [...normal(25), ...slow(3, 26), ...normal(3, 29)]);
    expect(notified.map((event) => event.status)).toEqual(['firing', 'resolved']);
  });
});

describe('trend rule', () => {
  const checks = checksOf(`
checks:
  - { id: api, type: tcp, host: 127.0.0.1, port: 1, trend: { metric: responseTime, above: 800ms, within: 10m, window: 10m } }
`);
  const MINUTE = 60_000;

  it('fires TrendBreachPredicted while the response time is still under the limit', () => {
    // 20 ms more every minute from 300 ms: 800 ms is 25 minutes out from the start.
    const rising = Array.from({ length: 20 }, (_, i) => result((i + 1) * MINUTE, { timings: { totalMs: 300 + 20 * i } }));
    const { notified } = run(checks, rising);
    expect(notified).toMatchObject([{ status: 'firing', rule: 'trend', labels: { alertname: 'TrendBreachPredicted' } }]);
    const firedAt = Date.parse(notified[0]!.startsAt);
    const valueThen = 300 + 20 * (firedAt / MINUTE - 1);
    expect(valueThen).toBeLessThan(800);
  });

  it('stays quiet for a flat response time', () => {
    const flat = Array.from({ length: 20 }, (_, i) => result((i + 1) * MINUTE, { timings: { totalMs: 300 } }));
    expect(run(checks, flat).notified).toEqual([]);
  });
});

describe('region quorum', () => {
  const checks = checksOf(`
checks:
  - { id: api, type: tcp, host: 127.0.0.1, port: 1, failureThreshold: 1, regions: [eu, us, ap], quorum: 2 }
`);

  it('does not alert when one region of three sees the check down, yet shows that region down', () => {
    const { notified, states } = run(checks, [failed(1, 'eu'), result(1, { region: 'us' }), result(1, { region: 'ap' })]);
    expect(notified).toEqual([]);
    expect(states.get('api@eu')!.status).toBe('down');
  });

  it('raises one CheckDown listing the failing regions when two of three see it down', () => {
    const { notified } = run(checks, [failed(1, 'eu'), failed(1, 'us'), result(1, { region: 'ap' })]);
    expect(notified).toMatchObject([{ status: 'firing', subject: 'api@*', annotations: { failing_regions: 'eu, us' } }]);
    expect(notified[0]!.labels.region).toBeUndefined();
  });

  it('resolves when fewer than the quorum still fail', () => {
    const { notified } = run(checks, [failed(1, 'eu'), failed(1, 'us'), result(2, { region: 'us' })]);
    expect(notified.map((event) => event.status)).toEqual(['firing', 'resolved']);
  });

  it('raises nothing more when a result is repeated', () => {
    const { notified } = run(checks, [failed(1, 'eu'), failed(1, 'us'), failed(1, 'us'), failed(1, 'eu')]);
    expect(notified).toHaveLength(1);
  });
});

describe('X of Y', () => {
  const checks = checksOf(`
checks:
  - { id: api, type: tcp, host: 127.0.0.1, port: 1, failureThreshold: 5, xOfY: { failures: 3, of: 5 } }
`);

  it('fires on a check failing every other probe, which a count in a row misses', () => {
    const alternating = [failed(1), result(2), failed(3), result(4), failed(5)];
    expect(run(checks, alternating).notified).toMatchObject([{ status: 'firing', rule: 'down' }]);
  });
});

describe('maintenance', () => {
  const checks = checksOf(`
checks:
  - { id: api, type: tcp, host: 127.0.0.1, port: 1 }
`);

  it('shows a check in a maintenance window as maintenance, and in its points', () => {
    const applied = applyResults([result(1)], checks, new Map(), { maintenance: new Set(['api']) });
    expect(applied.changes[0]!.after.maintenance).toBe(true);
    expect(applied.points[0]).toContain('state="maintenance"');
  });

  it('shows the check as it is again once the window ends', () => {
    const { states } = run(checks, [result(1)], new Map(), { maintenance: new Set(['api']) });
    const after = applyResults([result(2)], checks, states).changes[0]!.after;
    expect(after.maintenance).toBeUndefined();
    expect(after.status).toBe('up');
  });
});

describe('NoData ends with the next result', () => {
  const checks = checksOf(`
checks:
  - { id: api, type: tcp, host: 127.0.0.1, port: 1 }
`);

  it('resolves the NoData alert when results come again', () => {
    const identity = { fingerprint: 'f00d', labels: { alertname: 'NoData', check: 'api' }, startsAt: 1_000 };
    const silent: StoredState = { status: 'up', consecutiveFailures: 0, consecutiveSuccesses: 3, lastTick: 1_000, noData: identity };
    const { notified, states } = run(checks, [result(9_000)], new Map([['api@default', silent]]));
    expect(notified).toMatchObject([{ status: 'resolved', fingerprint: 'f00d', rule: 'nodata' }]);
    expect(states.get('api@default')!.noData).toBeUndefined();
  });
});
