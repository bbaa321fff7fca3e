import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ANOMALY_RULE,
  MAD_TO_SIGMA,
  detectAnomaly,
  median,
  rememberSample,
  robustBaseline,
} from '../../../../services/evaluator/rules/anomaly.js';

/** `count` samples cycling through `pattern`, e.g. 95, 100, 105, 95, ... */
function history(pattern: number[], count = 60): number[] {
  return Array.from({ length: count }, (_, index) => pattern[index % pattern.length]!);
}

// median 100, MAD 5, so the spread is 5 × 1.4826 = 7.413 ms and 3 spreads above normal is 122.239 ms.
const noisy = history([95, 100, 105]);

describe('anomaly rule', () => {
  it.each([
    { values: [], expected: undefined },
    { values: [7], expected: 7 },
    { values: [3, 1, 2], expected: 2 },
    { values: [4, 1, 3, 2], expected: 2.5 },
    { values: [9, 9, 1, 5, 7, 1], expected: 6 },
    { values: [10, 2, 2, 2, 8, 10, 10, 2], expected: 5 },
  ])('the median of $values is $expected', ({ values, expected }) => {
    expect(median(values)).toBe(expected);
  });

  it('takes the baseline as median and median absolute deviation', () => {
    expect(robustBaseline(noisy)).toEqual({ median: 100, mad: 5 });
  });

  it.each([
    { responseMs: 122, anomalous: false },
    { responseMs: 123, anomalous: true },
    { responseMs: 1_000, anomalous: true },
  ])('against a median of 100 and MAD of 5, $responseMs ms is anomalous: $anomalous', ({ responseMs, anomalous }) => {
    expect(detectAnomaly(noisy, responseMs).anomalous).toBe(anomalous);
  });

  it('scores in standard deviations estimated as 1.4826 × MAD', () => {
    expect(detectAnomaly(noisy, 130).score).toBeCloseTo(30 / (5 * MAD_TO_SIGMA), 10);
  });

  it('never fires on a response faster than normal, however far from it', () => {
    const verdict = detectAnomaly(noisy, 1);
    expect(verdict.anomalous).toBe(false);
    expect(verdict.score).toBeLessThan(-DEFAULT_ANOMALY_RULE.threshold);
  });

  it.each([
    { samples: 0, expected: { anomalous: false, samples: 0 } },
    { samples: 1, expected: { anomalous: false, baseline: { median: 100, mad: 0 }, samples: 1 } },
    { samples: 29, expected: { anomalous: false, baseline: { median: 100, mad: 0 }, samples: 29 } },
  ])('with $samples samples (fewer than 30) it never fires and gives no score', ({ samples, expected }) => {
    expect(detectAnomaly(history([100], samples), 10_000)).toEqual(expected);
  });

  it('fires from exactly minSamples samples on', () => {
    expect(detectAnomaly(history([100], 30), 10_000)).toMatchObject({ anomalous: true, samples: 30 });
  });

  it.each([
    // A constant 200 ms: MAD = 0, so the spread is the 5% floor, 10 ms.
    { constantMs: 200, responseMs: 200, score: 0, anomalous: false },
    { constantMs: 200, responseMs: 230, score: 3, anomalous: false }, // exactly the threshold: not more than it
    { constantMs: 200, responseMs: 240, score: 4, anomalous: true },
    // A constant 10 ms: 5% would be 0.5 ms, so the 1 ms floor applies.
    { constantMs: 10, responseMs: 13, score: 3, anomalous: false },
    { constantMs: 10, responseMs: 14, score: 4, anomalous: true },
  ])('a constant $constantMs ms history scores $responseMs ms at $score, not infinity', ({ constantMs, responseMs, score, anomalous }) => {
    expect(detectAnomaly(history([constantMs]), responseMs)).toMatchObject({ anomalous, score, baseline: { median: constantMs, mad: 0 } });
  });

  it('a single spike in the history barely moves the baseline, so the next slowdown is still caught', () => {
    const withTimeout = [...noisy.slice(0, -1), 30_000];
    expect(robustBaseline(withTimeout)).toEqual({ median: 100, mad: 5 });
    expect(detectAnomaly(withTimeout, 150).anomalous).toBe(true);
  });

  it('a single spike is anomalous by itself', () => {
    expect(detectAnomaly(noisy, 30_000)).toMatchObject({ anomalous: true, baseline: { median: 100, mad: 5 } });
  });

  it('uses only the last windowSamples samples, so a lasting change becomes the new normal', () => {
    const slowerNow = [...history([100], 200), ...history([300], 120)];
    expect(detectAnomaly(slowerNow, 300)).toMatchObject({ anomalous: false, baseline: { median: 300, mad: 0 }, samples: 120 });
  });

  it('remembers at most windowSamples samples, the newest last', () => {
    const rule = { ...DEFAULT_ANOMALY_RULE, windowSamples: 3 };
    expect(rememberSample([1, 2, 3], 4, rule)).toEqual([2, 3, 4]);
  });
});
