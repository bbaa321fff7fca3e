import { describe, expect, it } from 'vitest';
import { fitLine, forecastTrend, type TrendRule, type TrendSample } from '../../../../services/evaluator/rules/trend.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
const T0 = 1_700_000_000_000; // real epoch times, so the fit must not lose precision on them

/** `count` samples every `stepMs` from T0, the value given by `valueOf(index)`. */
function series(count: number, stepMs: number, valueOf: (index: number) => number): TrendSample[] {
  return Array.from({ length: count }, (_, index) => ({ atMs: T0 + index * stepMs, value: valueOf(index) }));
}

// Certificate days left, sampled daily for 20 days; "now" is the day of the last sample.
const certificate: TrendRule = { limit: 7, direction: 'below', horizonMs: 14 * DAY, windowMs: 30 * DAY };
const certificateNow = T0 + 19 * DAY;
const daily = (valueOf: (day: number) => number) => series(20, DAY, valueOf);

describe('trend rule', () => {
  it('fits a perfect line exactly, even at epoch-sized times', () => {
    const fit = fitLine(series(10, MINUTE, (m) => 500 + 2 * m))!;
    expect(fit.slopePerMs * MINUTE).toBeCloseTo(2, 12);
  });

  it('predicts when certificate days falling by one a day reach 7: day 23', () => {
    expect(forecastTrend(daily((d) => 30 - d), certificate, certificateNow)).toMatchObject({ status: 'crosses', crossesAt: T0 + 23 * DAY, samples: 20 });
  });

  it('predicts when response time rising 2 ms a minute from 500 ms reaches 800 ms: minute 150', () => {
    const rule: TrendRule = { limit: 800, direction: 'above', horizonMs: 2 * 60 * MINUTE, windowMs: 60 * MINUTE };
    const rising = series(60, MINUTE, (m) => 500 + 2 * m);
    expect(forecastTrend(rising, rule, T0 + 59 * MINUTE)).toMatchObject({ status: 'crosses', crossesAt: T0 + 150 * MINUTE });
  });

  it.each([
    { name: 'a flat series never crosses', valueOf: () => 30, expected: { status: 'clear' } },
    { name: 'a series moving away from the limit never crosses', valueOf: (d: number) => 30 + d, expected: { status: 'clear' } },
    { name: 'a crossing beyond the horizon is clear, and says when', valueOf: (d: number) => 60 - d, expected: { status: 'clear', crossesAt: T0 + 53 * DAY } },
    { name: 'a crossing exactly at the horizon counts', valueOf: (d: number) => 40 - d, expected: { status: 'crosses', crossesAt: T0 + 33 * DAY } },
    { name: 'a value already below the limit is past', valueOf: (d: number) => 20 - d, expected: { status: 'past' } },
    { name: 'a value exactly at the limit now is past: reaching it is the breach', valueOf: (d: number) => 26 - d, expected: { status: 'past' } },
  ])('$name', ({ valueOf, expected }) => {
    const forecast = forecastTrend(daily(valueOf), certificate, certificateNow);
    expect(forecast).toMatchObject(expected);
    if (!('crossesAt' in expected)) expect(forecast).not.toHaveProperty('crossesAt');
  });

  it.each([
    { name: 'fewer than 10 samples', samples: series(9, DAY, (d) => 30 - d), rule: certificate, spanMs: 8 * DAY },
    { name: 'a span shorter than half the window', samples: series(20, MINUTE, (m) => 30 - m), rule: certificate, spanMs: 19 * MINUTE },
    { name: 'fewer than minSamples set by the rule', samples: daily((d) => 30 - d), rule: { ...certificate, minSamples: 21 }, spanMs: 19 * DAY },
    { name: 'a span shorter than minSpanMs set by the rule', samples: daily((d) => 30 - d), rule: { ...certificate, minSpanMs: 20 * DAY }, spanMs: 19 * DAY },
    { name: 'all samples at one instant', samples: series(20, 0, (d) => 30 - d), rule: { ...certificate, minSpanMs: 0 }, spanMs: 0 },
  ])('needs more data with $name', ({ samples, rule, spanMs }) => {
    const nowMs = Math.max(...samples.map((s) => s.atMs));
    expect(forecastTrend(samples, rule, nowMs)).toEqual({ status: 'insufficient-data', samples: samples.length, spanMs });
  });

  it('fits only the samples inside the window, so an old steady past does not flatten a recent fall', () => {
    const oldFlat = series(30, DAY, () => 90).map((s) => ({ ...s, atMs: s.atMs - 60 * DAY }));
    const forecast = forecastTrend([...oldFlat, ...daily((d) => 30 - d)], certificate, certificateNow);
    expect(forecast).toMatchObject({ status: 'crosses', crossesAt: T0 + 23 * DAY, samples: 20 });
  });

  it('ignores samples timestamped after now', () => {
    const withFuture = [...daily((d) => 30 - d), { atMs: certificateNow + DAY, value: 1_000 }];
    expect(forecastTrend(withFuture, certificate, certificateNow)).toMatchObject({ status: 'crosses', samples: 20 });
  });

  it('with no samples at all it needs more data', () => {
    expect(forecastTrend([], certificate, certificateNow)).toEqual({ status: 'insufficient-data', samples: 0, spanMs: 0 });
  });
});
