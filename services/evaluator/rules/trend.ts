/**
 * Trend (predictive), pure: will a measured value cross a limit within a horizon, and when?
 *
 * A least-squares line through the samples of the last `windowMs`, extended forward. It warns
 * before the breach: certificate days falling to 7 within two weeks, response time rising to
 * 800 ms within an hour. A straight line is the simplest forecast that can be explained in an
 * alert ("at this rate it reaches 7 days on ..."); it needs enough samples over a long enough span,
 * because a line through a few close points extrapolated far ahead says nothing.
 */

import type { MeasuredRule, Reading } from './measured-rule.js';

export interface TrendSample {
  atMs: number;
  value: number;
}

/** Which way the value must go to breach: rise to the limit or above, or fall to it or below. */
export type TrendDirection = 'above' | 'below';

export interface TrendRule {
  limit: number;
  direction: TrendDirection;
  /** How far ahead a crossing counts as a warning. */
  horizonMs: number;
  /** Samples older than this (as of now) are not part of the fit. */
  windowMs: number;
  /** Default `DEFAULT_TREND_MIN_SAMPLES`. */
  minSamples?: number;
  /** Time from the first to the last sample in the window; default half the window. */
  minSpanMs?: number;
}

export const DEFAULT_TREND_MIN_SAMPLES = 10;

/** The fitted line, anchored at the mean time of the samples (raw epoch ms squared would lose precision). */
export interface LinearFit {
  slopePerMs: number;
  meanAtMs: number;
  meanValue: number;
}

export type TrendForecast =
  | { status: 'insufficient-data'; samples: number; spanMs: number }
  /**
   * The fitted line is already at or beyond the limit now. The prediction came true: the caller keeps
   * a firing predictive alert firing (resolving it would announce a recovery that did not happen)
   * and leaves reporting the breach itself to the limit rule.
   */
  | { status: 'past'; fit: LinearFit; samples: number }
  /** Crosses within the horizon, at `crossesAt` (epoch ms, rounded to the millisecond). */
  | { status: 'crosses'; crossesAt: number; fit: LinearFit; samples: number }
  /** Not within the horizon. `crossesAt` is given when it would cross later; absent when flat or moving away. */
  | { status: 'clear'; crossesAt?: number; fit: LinearFit; samples: number };

/** Ordinary least squares of value on time; undefined without at least two distinct times. */
export function fitLine(samples: readonly TrendSample[]): LinearFit | undefined {
  if (samples.length < 2) return undefined;
  const meanAtMs = samples.reduce((sum, s) => sum + s.atMs, 0) / samples.length;
  const meanValue = samples.reduce((sum, s) => sum + s.value, 0) / samples.length;
  let covariance = 0;
  let variance = 0;
  for (const s of samples) {
    covariance += (s.atMs - meanAtMs) * (s.value - meanValue);
    variance += (s.atMs - meanAtMs) ** 2;
  }
  if (variance === 0) return undefined;
  return { slopePerMs: covariance / variance, meanAtMs, meanValue };
}

export function valueAt(fit: LinearFit, atMs: number): number {
  return fit.meanValue + fit.slopePerMs * (atMs - fit.meanAtMs);
}

/** When the line reaches `limit` going in `direction`; undefined when it is flat or moving away from it. */
export function reachesLimitAt(fit: LinearFit, limit: number, direction: TrendDirection): number | undefined {
  const towards = direction === 'above' ? fit.slopePerMs > 0 : fit.slopePerMs < 0;
  if (!towards) return undefined;
  return fit.meanAtMs + (limit - fit.meanValue) / fit.slopePerMs;
}

export function isBeyond(value: number, limit: number, direction: TrendDirection): boolean {
  return direction === 'above' ? value >= limit : value <= limit;
}

export function samplesInTrendWindow(samples: readonly TrendSample[], windowMs: number, nowMs: number): TrendSample[] {
  return samples.filter((s) => s.atMs <= nowMs && nowMs - s.atMs < windowMs);
}

export function forecastTrend(samples: readonly TrendSample[], rule: TrendRule, nowMs: number): TrendForecast {
  const recent = samplesInTrendWindow(samples, rule.windowMs, nowMs);
  const times = recent.map((s) => s.atMs);
  const spanMs = recent.length === 0 ? 0 : Math.max(...times) - Math.min(...times);
  const enough = recent.length >= (rule.minSamples ?? DEFAULT_TREND_MIN_SAMPLES) && spanMs >= (rule.minSpanMs ?? rule.windowMs / 2);
  const fit = enough ? fitLine(recent) : undefined;
  if (fit === undefined) return { status: 'insufficient-data', samples: recent.length, spanMs };
  const base = { fit, samples: recent.length };
  if (isBeyond(valueAt(fit, nowMs), rule.limit, rule.direction)) return { status: 'past', ...base };
  const reachAt = reachesLimitAt(fit, rule.limit, rule.direction);
  if (reachAt === undefined) return { status: 'clear', ...base };
  const crossesAt = Math.round(reachAt);
  return crossesAt - nowMs <= rule.horizonMs ? { status: 'crosses', crossesAt, ...base } : { status: 'clear', crossesAt, ...base };
}

/** The most samples the trend rule keeps: enough for a steady fit, small enough to rewrite on every result. */
export const MAX_TREND_SAMPLES = 200;

export type TrendMetric = 'responseTime' | 'certificateExpiry';
export type TrendAlertConfig = TrendRule & { metric: TrendMetric };

/**
 * Flat like LatencyWindow: [referenceMs, age1, value1, ...], oldest first, at least
 * windowMs / MAX_TREND_SAMPLES apart, each value in whole thousandths of its unit, so the
 * memory holds only integers (see `toMicros`).
 */
export interface TrendMemory {
  thousandths: number[];
}

const DAY = 86_400_000;

function metricOf(reading: Reading, metric: TrendMetric): number | undefined {
  if (metric === 'responseTime') return reading.responseMs;
  return reading.certDaysLeft === undefined ? undefined : reading.certDaysLeft * DAY;
}

function describeValue(value: number, metric: TrendMetric): string {
  return metric === 'responseTime' ? `${Math.round(value)}ms` : `${Math.round((value / DAY) * 10) / 10} days`;
}

/** Keeps the window's samples, thinned so that a 1 s check over a 6 h window still keeps MAX_TREND_SAMPLES. */
function thinned(memory: TrendMemory, sample: TrendSample | undefined, rule: TrendAlertConfig, nowMs: number): TrendSample[] {
  const spacingMs = rule.windowMs / MAX_TREND_SAMPLES;
  // Memory without `thousandths` is from before values were kept as integers: start afresh.
  const flat = memory.thousandths ?? [];
  const referenceMs = flat[0] ?? nowMs;
  const kept: TrendSample[] = [];
  for (let i = 1; i + 1 < flat.length; i += 2) {
    const atMs = referenceMs - flat[i]!;
    if (atMs <= nowMs && nowMs - atMs < rule.windowMs) kept.push({ atMs, value: flat[i + 1]! / 1_000 });
  }
  const last = kept.at(-1);
  if (sample !== undefined && (last === undefined || sample.atMs - last.atMs >= spacingMs)) kept.push(sample);
  return kept.slice(-MAX_TREND_SAMPLES);
}

function encoded(samples: readonly TrendSample[], referenceMs: number): TrendMemory {
  const flat = [referenceMs];
  for (const sample of samples) flat.push(referenceMs - sample.atMs, Math.round(sample.value * 1_000));
  return { thousandths: flat };
}

export const trendAlertRule: MeasuredRule<TrendAlertConfig, TrendMemory> = {
  name: 'trend',
  alertname: 'TrendBreachPredicted',
  configOf: (check) => check.trend,
  observe(memory, reading, rule) {
    const value = metricOf(reading, rule.metric);
    const kept = thinned(memory ?? { thousandths: [] }, value === undefined ? undefined : { atMs: reading.atMs, value }, rule, reading.atMs);
    const samples = encoded(kept, reading.atMs);
    const forecast = forecastTrend(kept, rule, reading.atMs);
    const limit = describeValue(rule.limit, rule.metric);
    const what = rule.metric === 'responseTime' ? 'response time' : 'certificate validity';
    // Past the limit already: the prediction came true, and the limit's own rule reports the breach.
    if (forecast.status === 'insufficient-data' || forecast.status === 'past') return { memory: samples };
    const now = describeValue(valueAt(forecast.fit, reading.atMs), rule.metric);
    if (forecast.status === 'clear') return { memory: samples, verdict: { firing: false, value: `${now} now`, description: `${what} is not heading for ${limit}` } };
    const when = new Date(forecast.crossesAt).toISOString();
    return {
      memory: samples,
      verdict: { firing: true, value: `${now} now, ${limit} at ${when}`, description: `at this rate ${what} reaches ${limit} at ${when} (${now} now, fitted over ${forecast.samples} results)` },
    };
  },
};
