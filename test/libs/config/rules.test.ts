/**
 * The evaluator's rule keys (latency, certificate, xOfY, flapping, noData, anomaly, trend,
 * quorum), on a check and in the defaults section: what each parses to, how defaults fill
 * them in, and how a wrong one is reported (the path and the telling part of the message).
 */
import { describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../../libs/config/index.js';
import { problemsOf, tcpCheck } from './support.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

type Check = Config['checks'][number];

function check(yaml: string): Check {
  return parseConfig(yaml, {}).checks[0]!;
}

interface Rejected {
  name: string;
  yaml: string;
  path: string;
  message: RegExp;
}

/** The document is rejected with exactly one problem, at `path`, whose message matches. */
function expectOneProblem({ yaml, path, message }: Rejected): void {
  expect(problemsOf(yaml)).toEqual([expect.objectContaining({ path, message: expect.stringMatching(message) })]);
}

describe('rule keys a check accepts', () => {
  it.each([
    ['latency: { p95: 800ms, over: 5m }', 'the 95th percentile limit, in ms, over 5 minutes', 'latency', { percentile: 95, limitMs: 800, overMs: 5 * MINUTE }],
    ['latency: { p50: 200ms, over: 1m }', 'the 50th percentile limit', 'latency', { percentile: 50, limitMs: 200, overMs: MINUTE }],
    ['latency: { p90: 1s, over: 10m }', 'the 90th percentile limit', 'latency', { percentile: 90, limitMs: 1_000, overMs: 10 * MINUTE }],
    ['latency: { p99: 2s, over: 1h }', 'the 99th percentile limit', 'latency', { percentile: 99, limitMs: 2_000, overMs: HOUR }],
    ['certificate: { warn: 21d, critical: 7d }', 'warn and critical in ms', 'certificate', { warnMs: 21 * DAY, criticalMs: 7 * DAY }],
    ['certificate: { warn: 7d, critical: 7d }', 'critical equal to warn', 'certificate', { warnMs: 7 * DAY, criticalMs: 7 * DAY }],
    ['xOfY: { failures: 3, of: 5 }', 'failures and of as written', 'xOfY', { failures: 3, of: 5 }],
    ['xOfY: { failures: 100, of: 100 }', 'the longest ring, 100 probes', 'xOfY', { failures: 100, of: 100 }],
    ['flapping: { changes: 5, within: 10m, settle: 5m }', 'maxChanges, windowMs and settleMs', 'flapping', { maxChanges: 5, windowMs: 10 * MINUTE, settleMs: 5 * MINUTE }],
    ['flapping: { changes: 5, within: 10m }', 'no settleMs when settle is left out', 'flapping', { maxChanges: 5, windowMs: 10 * MINUTE }],
    ['noData: { after: 5m }', 'afterMs', 'noData', { afterMs: 5 * MINUTE }],
    ['noData: false', 'false (never raise NoData)', 'noData', false],
    ['anomaly: {}', 'the built-in window, minSamples, threshold and spreads', 'anomaly', { windowSamples: 120, minSamples: 30, threshold: 3, minSpreadMs: 1, minSpreadRatio: 0.05 }],
    ['anomaly: { window: 200, minSamples: 50, threshold: 4 }', 'the values written, window as windowSamples', 'anomaly', { windowSamples: 200, minSamples: 50, threshold: 4, minSpreadMs: 1, minSpreadRatio: 0.05 }],
    ['trend: { metric: responseTime, above: 800ms, within: 1h, window: 6h }', 'direction above, limit in ms, horizonMs and windowMs', 'trend', { metric: 'responseTime', direction: 'above', limit: 800, horizonMs: HOUR, windowMs: 6 * HOUR }],
    ['trend: { metric: certificateExpiry, below: 7d, within: 14d, window: 7d }', 'direction below, limit in ms', 'trend', { metric: 'certificateExpiry', direction: 'below', limit: 7 * DAY, horizonMs: 14 * DAY, windowMs: 7 * DAY }],
    ['trend: { metric: responseTime, above: 1s, within: 1h, window: 6h, minSamples: 5 }', 'minSamples kept when written', 'trend', { metric: 'responseTime', direction: 'above', limit: 1_000, horizonMs: HOUR, windowMs: 6 * HOUR, minSamples: 5 }],
    ['quorum: 2, regions: [eu, us]', 'quorum 2', 'quorum', 2],
  ] as const)('%s gives %s', (yaml, _, rule, parsed) => {
    expect((check(tcpCheck(yaml)) as Record<string, unknown>)[rule]).toStrictEqual(parsed);
  });

  it('a check that sets no rule has none of the rule keys', () => {
    const parsed = check(tcpCheck());
    for (const rule of ['latency', 'certificate', 'xOfY', 'flapping', 'noData', 'anomaly', 'trend', 'quorum']) {
      expect(parsed).not.toHaveProperty(rule);
    }
  });
});

describe('rule keys in the defaults section', () => {
  it.each([
    { rule: 'latency', yaml: 'latency: { p95: 800ms, over: 5m }', parsed: { percentile: 95, limitMs: 800, overMs: 5 * MINUTE } },
    { rule: 'certificate', yaml: 'certificate: { warn: 21d, critical: 7d }', parsed: { warnMs: 21 * DAY, criticalMs: 7 * DAY } },
    { rule: 'xOfY', yaml: 'xOfY: { failures: 3, of: 5 }', parsed: { failures: 3, of: 5 } },
    { rule: 'flapping', yaml: 'flapping: { changes: 5, within: 10m }', parsed: { maxChanges: 5, windowMs: 10 * MINUTE } },
    { rule: 'noData', yaml: 'noData: false', parsed: false },
    { rule: 'anomaly', yaml: 'anomaly: { threshold: 4 }', parsed: { windowSamples: 120, minSamples: 30, threshold: 4, minSpreadMs: 1, minSpreadRatio: 0.05 } },
    {
      rule: 'trend',
      yaml: 'trend: { metric: responseTime, above: 800ms, within: 1h, window: 6h }',
      parsed: { metric: 'responseTime', direction: 'above', limit: 800, horizonMs: HOUR, windowMs: 6 * HOUR },
    },
    { rule: 'quorum', yaml: 'quorum: 2', parsed: 2 },
  ])('$rule in defaults applies to a check that leaves it out', ({ rule, yaml, parsed }) => {
    expect((check(`defaults: { ${yaml} }\n${tcpCheck()}`) as Record<string, unknown>)[rule]).toStrictEqual(parsed);
  });

  it('apply to every check, not just the first', () => {
    const yaml = `defaults: { quorum: 2 }\nchecks:\n  - { id: a, type: tcp, host: h, port: 1 }\n  - { id: b, type: tcp, host: h, port: 2 }\n`;
    expect(parseConfig(yaml, {}).checks.map((c) => c.quorum)).toEqual([2, 2]);
  });

  it('a check\'s own latency replaces the default whole (another percentile, not both)', () => {
    const parsed = check(`defaults: { latency: { p95: 800ms, over: 5m } }\n${tcpCheck('latency: { p99: 2s, over: 1m }')}`);
    expect(parsed.latency).toStrictEqual({ percentile: 99, limitMs: 2_000, overMs: MINUTE });
  });

  it('a check\'s own anomaly replaces the default whole: sub-keys it leaves out take the built-in values, not the defaults section\'s', () => {
    const parsed = check(`defaults: { anomaly: { window: 200, threshold: 5 } }\n${tcpCheck('anomaly: { minSamples: 10 }')}`);
    expect(parsed.anomaly).toStrictEqual({ windowSamples: 120, minSamples: 10, threshold: 3, minSpreadMs: 1, minSpreadRatio: 0.05 });
  });

  it('a check\'s noData: false turns off the NoData rule set in defaults', () => {
    expect(check(`defaults: { noData: { after: 5m } }\n${tcpCheck('noData: false')}`).noData).toBe(false);
  });

  it('a check\'s own quorum wins over the default', () => {
    expect(check(`defaults: { quorum: 2 }\n${tcpCheck('quorum: 1')}`).quorum).toBe(1);
  });
});

describe('latency', () => {
  it.each<Rejected>([
    { name: 'without a percentile', yaml: tcpCheck('latency: { over: 5m }'), path: 'checks[0].latency', message: /expected exactly one percentile limit \(p50, p90, p95, p99\), got none/ },
    { name: 'with two percentiles', yaml: tcpCheck('latency: { p95: 800ms, p99: 2s, over: 5m }'), path: 'checks[0].latency', message: /expected exactly one percentile limit .*, got p95 and p99/ },
    { name: 'without over', yaml: tcpCheck('latency: { p95: 800ms }'), path: 'checks[0].latency.over', message: /required|expected a duration .*, got nothing/ },
    { name: 'with a limit that is not a duration', yaml: tcpCheck('latency: { p95: fast, over: 5m }'), path: 'checks[0].latency.p95', message: /expected a duration like "30s", got "fast"/ },
    { name: 'that is not a mapping', yaml: tcpCheck('latency: 800ms'), path: 'checks[0].latency', message: /expected a mapping, got "800ms"/ },
  ])('rejects latency $name', (c) => expectOneProblem(c));
});

describe('certificate', () => {
  it.each<Rejected>([
    { name: 'critical longer than warn', yaml: tcpCheck('certificate: { warn: 7d, critical: 21d }'), path: 'checks[0].certificate.critical', message: /must not be longer than warn/ },
    { name: 'a warn that is not a duration', yaml: tcpCheck('certificate: { warn: soon, critical: 7d }'), path: 'checks[0].certificate.warn', message: /expected a duration like "30s", got "soon"/ },
    { name: 'without critical', yaml: tcpCheck('certificate: { warn: 21d }'), path: 'checks[0].certificate.critical', message: /required|expected a duration .*, got nothing/ },
  ])('rejects certificate with $name', (c) => expectOneProblem(c));
});

describe('xOfY', () => {
  it.each<Rejected>([
    { name: 'more failures than probes', yaml: tcpCheck('xOfY: { failures: 6, of: 5 }'), path: 'checks[0].xOfY.failures', message: /must not be more than of \(5\)/ },
    { name: 'more than 100 probes', yaml: tcpCheck('xOfY: { failures: 3, of: 101 }'), path: 'checks[0].xOfY.of', message: /at most 100, got 101/ },
    { name: 'no failures', yaml: tcpCheck('xOfY: { failures: 0, of: 5 }'), path: 'checks[0].xOfY.failures', message: /at least 1, got 0/ },
  ])('rejects xOfY with $name', (c) => expectOneProblem(c));
});

describe('flapping', () => {
  it('rejects a settle that is not a duration', () => {
    expectOneProblem({ name: '', yaml: tcpCheck('flapping: { changes: 5, within: 10m, settle: later }'), path: 'checks[0].flapping.settle', message: /expected a duration like "30s", got "later"/ });
  });

  it('rejects the parsed name maxChanges, listing the keys the file uses, and asks for changes', () => {
    expect(problemsOf(tcpCheck('flapping: { maxChanges: 5, within: 10m }'))).toEqual(expect.arrayContaining([
      expect.objectContaining({ path: 'checks[0].flapping.maxChanges', message: expect.stringMatching(/unknown key, expected one of: changes, within, settle$/) }),
      expect.objectContaining({ path: 'checks[0].flapping.changes', message: expect.stringMatching(/required/) }),
    ]));
  });
});

describe('noData', () => {
  // These pin the path and the value shown; the wording ("expected one of false, got true")
  // does not yet mention the { after: 5m } form.
  it.each<Rejected>([
    { name: 'true', yaml: tcpCheck('noData: true'), path: 'checks[0].noData', message: /got true$/ },
    { name: 'a string', yaml: tcpCheck('noData: 5m'), path: 'checks[0].noData', message: /got "5m"$/ },
  ])('rejects noData: $name', (c) => expectOneProblem(c));
});

describe('anomaly', () => {
  it.each<Rejected>([
    { name: 'more minSamples than its window', yaml: tcpCheck('anomaly: { window: 50, minSamples: 60 }'), path: 'checks[0].anomaly.minSamples', message: /must not be more than window/ },
    { name: 'more minSamples than the default window of 120', yaml: tcpCheck('anomaly: { minSamples: 200 }'), path: 'checks[0].anomaly.minSamples', message: /must not be more than window/ },
  ])('rejects anomaly with $name', (c) => expectOneProblem(c));
});

describe('trend', () => {
  it.each<Rejected>([
    { name: 'both above and below', yaml: tcpCheck('trend: { metric: responseTime, above: 800ms, below: 100ms, within: 1h, window: 6h }'), path: 'checks[0].trend', message: /expected exactly one of above or below/ },
    { name: 'neither above nor below', yaml: tcpCheck('trend: { metric: responseTime, within: 1h, window: 6h }'), path: 'checks[0].trend', message: /expected exactly one of above or below/ },
    { name: 'an unknown metric', yaml: tcpCheck('trend: { metric: cpu, above: 800ms, within: 1h, window: 6h }'), path: 'checks[0].trend.metric', message: /expected one of "responseTime", "certificateExpiry", got "cpu"/ },
    { name: 'no metric', yaml: tcpCheck('trend: { above: 800ms, within: 1h, window: 6h }'), path: 'checks[0].trend.metric', message: /"responseTime", "certificateExpiry", got nothing/ },
    { name: 'a within that is not a duration', yaml: tcpCheck('trend: { metric: responseTime, above: 1s, within: soon, window: 6h }'), path: 'checks[0].trend.within', message: /expected a duration like "30s", got "soon"/ },
    { name: 'fewer than 3 minSamples', yaml: tcpCheck('trend: { metric: responseTime, above: 1s, within: 1h, window: 6h, minSamples: 2 }'), path: 'checks[0].trend.minSamples', message: /at least 3, got 2/ },
  ])('rejects trend with $name', (c) => expectOneProblem(c));
});

describe('quorum', () => {
  it.each<Rejected>([
    { name: '0', yaml: tcpCheck('quorum: 0'), path: 'checks[0].quorum', message: /at least 1, got 0/ },
    { name: 'a negative number', yaml: tcpCheck('quorum: -1'), path: 'checks[0].quorum', message: /at least 1, got -1/ },
    { name: 'a word', yaml: tcpCheck('quorum: two'), path: 'checks[0].quorum', message: /expected a number, got "two"/ },
    { name: 'a fraction', yaml: tcpCheck('quorum: 1.5'), path: 'checks[0].quorum', message: /expected a whole number, got 1.5/ },
  ])('rejects quorum: $name', (c) => expectOneProblem(c));
});

describe('unknown keys inside a rule', () => {
  it.each<Rejected>([
    { name: 'latency', yaml: tcpCheck('latency: { p95: 1s, over: 1m, window: 2m }'), path: 'checks[0].latency.window', message: /unknown key, expected one of: p50, p90, p95, p99, over$/ },
    { name: 'certificate', yaml: tcpCheck('certificate: { warn: 21d, critical: 7d, info: 30d }'), path: 'checks[0].certificate.info', message: /unknown key, expected one of: warn, critical$/ },
    { name: 'noData', yaml: tcpCheck('noData: { after: 5m, every: 1m }'), path: 'checks[0].noData.every', message: /unknown key, expected one of: after$/ },
    { name: 'trend', yaml: tcpCheck('trend: { metric: responseTime, above: 1s, within: 1h, window: 6h, horizon: 1h }'), path: 'checks[0].trend.horizon', message: /unknown key, expected one of: metric, above, below, within, window, minSamples$/ },
  ])('are listed with the keys $name accepts', (c) => expectOneProblem(c));

  it('suggest the key a typo was meant to be', () => {
    expectOneProblem({ name: '', yaml: tcpCheck('latency: { p95: 1s, over: 1m, P99: 2s }'), path: 'checks[0].latency.P99', message: /unknown key, did you mean "p99"\?/ });
  });
});

describe('rules in the defaults section are checked the same way', () => {
  it.each<Rejected>([
    { name: 'latency without over', yaml: 'defaults: { latency: { p95: 800ms } }\n', path: 'defaults.latency.over', message: /required|expected a duration .*, got nothing/ },
    { name: 'certificate critical longer than warn', yaml: 'defaults: { certificate: { warn: 1d, critical: 2d } }\n', path: 'defaults.certificate.critical', message: /must not be longer than warn/ },
    { name: 'an unknown key in latency', yaml: 'defaults: { latency: { p95: 1s, over: 1m, window: 2m } }\n', path: 'defaults.latency.window', message: /unknown key, expected one of: p50, p90, p95, p99, over$/ },
    { name: 'noData: true', yaml: 'defaults: { noData: true }\n', path: 'defaults.noData', message: /got true$/ },
    { name: 'quorum 0', yaml: 'defaults: { quorum: 0 }\n', path: 'defaults.quorum', message: /at least 1, got 0/ },
    { name: 'a bad duration', yaml: 'defaults: { certificate: { warn: soon, critical: 7d } }\n', path: 'defaults.certificate.warn', message: /expected a duration like "30s", got "soon"/ },
  ])('rejects $name at its defaults path', (c) => expectOneProblem(c));
});
