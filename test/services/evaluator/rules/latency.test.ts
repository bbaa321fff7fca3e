import { describe, expect, it } from 'vitest';
import {
  MAX_LATENCY_SAMPLES,
  evaluateLatency,
  nearestRankPercentile,
  sampleCount,
  slideWindow,
  windowValuesMs,
  type LatencyRule,
  type LatencyWindow,
  type Percentile,
} from '../../../../services/evaluator/rules/latency.js';

const NOW = 1_000_000;
const p95: LatencyRule = { percentile: 95, limitMs: 800, overMs: 300_000 };

/** The window after one reading per second ending at NOW, with these response times, oldest first. */
function window(values: readonly number[], overMs = p95.overMs, maxSamples?: number): LatencyWindow {
  return values.reduce<LatencyWindow>((w, responseMs, index) => slideWindow(w, { atMs: NOW - (values.length - 1 - index) * 1_000, responseMs }, overMs, maxSamples), []);
}

/** A window holding one sample taken at `atMs`, as seen by a reading without a response time at NOW. */
function oneSampleAt(atMs: number, responseMs: number): LatencyWindow {
  return slideWindow(slideWindow([], { atMs, responseMs }, p95.overMs), { atMs: NOW }, p95.overMs);
}

const oneToTwenty = Array.from({ length: 20 }, (_, index) => (index + 1) * 10);

describe('nearest-rank percentile', () => {
  it.each<[Percentile, number]>([
    [50, 100],
    [90, 180],
    [95, 190],
    [99, 200],
  ])('p%s of 10, 20, … 200 ms is %s ms (rank ceil(P/100 × 20))', (percentile, expected) => {
    expect(nearestRankPercentile(oneToTwenty, percentile)).toBe(expected);
  });

  it.each<Percentile>([50, 90, 95, 99])('p%s of a single value is that value', (percentile) => {
    expect(nearestRankPercentile([420], percentile)).toBe(420);
  });

  it('is undefined for no values', () => {
    expect(nearestRankPercentile([], 95)).toBeUndefined();
  });

  it('does not depend on the order values arrive in', () => {
    expect(nearestRankPercentile([...oneToTwenty].reverse(), 95)).toBe(190);
  });

  it('leaves the values it was given in their order', () => {
    const values = [30, 10, 20];
    nearestRankPercentile(values, 50);
    expect(values).toEqual([30, 10, 20]);
  });
});

describe('latency rule', () => {
  it.each<[string, number[], LatencyRule, { breached: boolean; value?: number; samples: number }]>([
    ['an empty window is not breached and has no value', [], p95, { breached: false, samples: 0 }],
    ['one sample above the limit breaches', [900], p95, { breached: true, value: 900, samples: 1 }],
    ['one sample below the limit does not', [700], p95, { breached: false, value: 700, samples: 1 }],
    ['exactly at the limit is not breached (above a limit)', [800], p95, { breached: false, value: 800, samples: 1 }],
    ['one above the limit', [801], p95, { breached: true, value: 801, samples: 1 }],
    ['one slow probe in 20 stays under p95', [...Array(19).fill(100), 5_000], p95, { breached: false, value: 100, samples: 20 }],
    ['two slow probes in 20 lift p95 above the limit', [...Array(18).fill(100), 5_000, 5_000], p95, { breached: true, value: 5_000, samples: 20 }],
    ['p50 compares the median', [100, 900, 900], { ...p95, percentile: 50 }, { breached: true, value: 900, samples: 3 }],
  ])('%s', (_name, values, rule, verdict) => {
    expect(evaluateLatency(window(values, rule.overMs), rule)).toEqual(verdict);
  });

  it.each<[string, number, boolean]>([
    ['a sample just inside the window counts', NOW - 299_999, true],
    ['a sample exactly `over` old has left the window', NOW - 300_000, false],
    ['a sample dated now counts', NOW, true],
  ])('%s', (_name, atMs, counted) => {
    expect(evaluateLatency(oneSampleAt(atMs, 5_000), p95).samples).toBe(counted ? 1 : 0);
  });

  it('only the window decides: old slow samples no longer breach', () => {
    const slow = slideWindow([], { atMs: NOW - 600_000, responseMs: 5_000 }, p95.overMs);
    const w = [NOW - 1_000, NOW].reduce((acc, atMs) => slideWindow(acc, { atMs, responseMs: 100 }, p95.overMs), slow);
    expect(evaluateLatency(w, p95)).toEqual({ breached: false, value: 100, samples: 2 });
  });
});

describe('sliding sample window', () => {
  it('keeps at most 1,000 samples by default, the newest ones', () => {
    const w = window(Array.from({ length: 1_500 }, (_, index) => index), 3_600_000);
    const values = windowValuesMs(w);
    expect(values).toHaveLength(MAX_LATENCY_SAMPLES);
    expect(values[0]).toBe(500);
    expect(values.at(-1)).toBe(1_499);
  });

  it('a failed probe (no response time) adds no sample but still moves the window on', () => {
    const w = slideWindow(window([100, 200]), { atMs: NOW + 299_500 }, p95.overMs);
    expect([...windowValuesMs(w)]).toEqual([200]);
  });

  it('keeps response times to the microsecond', () => {
    expect([...windowValuesMs(window([12.3456789]))]).toEqual([12.346]);
  });

  it('drops a sample newer than the reading (a state written by a clock ahead)', () => {
    const ahead = slideWindow([], { atMs: NOW + 5_000, responseMs: 900 }, p95.overMs);
    expect(sampleCount(slideWindow(ahead, { atMs: NOW, responseMs: 100 }, p95.overMs))).toBe(1);
  });

  it.each([
    [0, 0],
    [3, 3],
    [5, 3],
  ])('with a cap of 3, %s samples keep %s', (count, kept) => {
    expect(sampleCount(window(Array(count).fill(100), p95.overMs, 3))).toBe(kept);
  });
});
