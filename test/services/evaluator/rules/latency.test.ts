import { describe, expect, it } from 'vitest';
import {
  MAX_LATENCY_SAMPLES,
  evaluateLatency,
  nearestRankPercentile,
  trimSampleWindow,
  type LatencyRule,
  type LatencySample,
  type Percentile,
} from '../../../../services/evaluator/rules/latency.js';

const NOW = 1_000_000;
const p95: LatencyRule = { percentile: 95, limitMs: 800, overMs: 300_000 };

/** One sample per second ending at NOW, with these response times, oldest first. */
function window(values: readonly number[]): LatencySample[] {
  return values.map((valueMs, index) => ({ atMs: NOW - (values.length - 1 - index) * 1_000, valueMs }));
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
    expect(evaluateLatency(window(values), rule, NOW)).toEqual(verdict);
  });

  it.each<[string, number, boolean]>([
    ['a sample just inside the window counts', NOW - 299_999, true],
    ['a sample exactly `over` old has left the window', NOW - 300_000, false],
    ['a sample dated now counts', NOW, true],
    ['a sample dated after now (a clock ahead) does not count yet', NOW + 1, false],
  ])('%s', (_name, atMs, counted) => {
    expect(evaluateLatency([{ atMs, valueMs: 5_000 }], p95, NOW).samples).toBe(counted ? 1 : 0);
  });

  it('only the window decides: old slow samples no longer breach', () => {
    const samples = [{ atMs: NOW - 600_000, valueMs: 5_000 }, ...window([100, 100])];
    expect(evaluateLatency(samples, p95, NOW)).toEqual({ breached: false, value: 100, samples: 2 });
  });
});

describe('bounded sample window', () => {
  it('keeps at most 1,000 samples by default, the newest ones', () => {
    const samples = window(Array.from({ length: 1_500 }, (_, index) => index));
    const kept = trimSampleWindow(samples, 3_600_000, NOW);
    expect(kept).toHaveLength(MAX_LATENCY_SAMPLES);
    expect(kept[0]!.valueMs).toBe(500);
    expect(kept.at(-1)!.valueMs).toBe(1_499);
  });

  it('drops samples that have left the window', () => {
    const samples = [{ atMs: NOW - 300_000, valueMs: 1 }, { atMs: NOW - 1_000, valueMs: 2 }];
    expect(trimSampleWindow(samples, 300_000, NOW)).toEqual([{ atMs: NOW - 1_000, valueMs: 2 }]);
  });

  it('orders samples that arrived out of order, oldest first', () => {
    const samples = [{ atMs: NOW, valueMs: 2 }, { atMs: NOW - 1_000, valueMs: 1 }];
    expect(trimSampleWindow(samples, 300_000, NOW).map((s) => s.valueMs)).toEqual([1, 2]);
  });

  it.each([
    [0, 0],
    [3, 3],
    [5, 3],
  ])('with a cap of 3, %s samples keep %s', (count, kept) => {
    expect(trimSampleWindow(window(Array(count).fill(100)), 300_000, NOW, 3)).toHaveLength(kept);
  });
});
