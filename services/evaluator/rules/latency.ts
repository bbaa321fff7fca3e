/**
 * Latency rule, pure: is a percentile of response times over a sliding window above a limit?
 * (`latency: { p95: 800ms, over: 5m }`). Time comes in with each reading; nothing here reads a clock.
 *
 * The percentile is nearest-rank: the value at rank ceil(P/100 × N) (1-based) of the window's
 * values in order. It always returns a value that was actually measured, needs no interpolation,
 * and is exact on small windows: p95 of 20 samples is the 19th slowest.
 */

import { fromMicros, toMicros, type MeasuredRule, type Reading } from './measured-rule.js';
import { kthSmallest } from './order-statistics.js';

export type Percentile = 50 | 90 | 95 | 99;

export interface LatencyRule {
  percentile: Percentile;
  limitMs: number;
  /** Length of the sliding window, ms. */
  overMs: number;
}

export interface LatencyVerdict {
  /** True only when the percentile is strictly above the limit ("above a limit"). */
  breached: boolean;
  /** The percentile over the window; absent when the window holds no samples. */
  value?: number;
  /** How many samples the window held. */
  samples: number;
}

/**
 * The most samples a window keeps. The window lives in the check's JSON state in Redis and is
 * read, searched and written back on every result: a 1 s check over a 1 h window would carry
 * 3,600 samples per write. 1,000 keeps the state small and the percentile cheap while a p99
 * still rests on the 10 slowest samples. When the cap bites, the window is the newest 1,000
 * samples, a little shorter than `over`, which is the part that matters for an alert.
 */
export const MAX_LATENCY_SAMPLES = 1_000;

/**
 * The window, as the rule keeps it between results: flat, so the stored JSON is short and parses
 * into one array. [referenceMs, age1, value1, age2, value2, ...], oldest first: each sample's time
 * as its age in ms before referenceMs (the last reading's time), its response time in whole
 * microseconds (`toMicros`).
 */
export type LatencyWindow = number[];

/** Nearest-rank percentile of `values`; undefined for no values. */
export function nearestRankPercentile(values: ArrayLike<number>, percentile: Percentile): number | undefined {
  if (values.length === 0) return undefined;
  // Integer product first, so 95 × 20 / 100 is exactly 19 and not 19.000000000000004.
  const rank = Math.max(1, Math.ceil((percentile * values.length) / 100));
  return kthSmallest(Float64Array.from(values), rank - 1);
}

/**
 * The window after one reading: the reading's response time added (a failed probe has none),
 * samples that left (now − over, now] dropped, at most `maxSamples`, the newest. Readings reach
 * the rules in time order (the state machine drops older ticks), so the reading is the newest
 * sample and the expired ones are at the front.
 */
export function slideWindow(window: LatencyWindow, reading: Pick<Reading, 'atMs' | 'responseMs'>, overMs: number, maxSamples: number = MAX_LATENCY_SAMPLES): LatencyWindow {
  const referenceMs = reading.atMs;
  const shiftMs = referenceMs - (window[0] ?? referenceMs);
  const next = [referenceMs];
  for (let i = 1; i + 1 < window.length; i += 2) {
    const ageMs = window[i]! + shiftMs;
    // A sample exactly `over` old has left; one newer than the reading (written by a clock ahead of it) is not trusted.
    if (ageMs < overMs && ageMs >= 0) next.push(ageMs, window[i + 1]!);
  }
  if (reading.responseMs !== undefined) next.push(0, toMicros(reading.responseMs));
  const excess = sampleCount(next) - maxSamples;
  if (excess > 0) next.splice(1, excess * 2);
  return next;
}

export function sampleCount(window: LatencyWindow): number {
  return Math.max(0, (window.length - 1) >> 1);
}

/** The window's response times in ms, oldest first. */
export function windowValuesMs(window: LatencyWindow): Float64Array {
  const values = new Float64Array(sampleCount(window));
  for (let i = 0; i < values.length; i++) values[i] = fromMicros(window[2 + 2 * i]!);
  return values;
}

export function evaluateLatency(window: LatencyWindow, rule: LatencyRule): LatencyVerdict {
  const values = windowValuesMs(window);
  const value = nearestRankPercentile(values, rule.percentile);
  if (value === undefined) return { breached: false, samples: 0 };
  return { breached: value > rule.limitMs, value, samples: values.length };
}

function formatMs(ms: number): string {
  return `${Math.round(ms * 10) / 10}ms`;
}

export const latencyAlertRule: MeasuredRule<LatencyRule, LatencyWindow> = {
  name: 'latency',
  alertname: 'LatencyHigh',
  configOf: (check) => check.latency,
  observe(memory, reading, rule) {
    const window = slideWindow(memory ?? [], reading, rule.overMs);
    const verdict = evaluateLatency(window, rule);
    if (verdict.value === undefined) return { memory: window };
    const value = `p${rule.percentile} ${formatMs(verdict.value)} over ${verdict.samples} results`;
    return {
      memory: window,
      verdict: { firing: verdict.breached, value, description: `p${rule.percentile} response time ${formatMs(verdict.value)} is above ${formatMs(rule.limitMs)} (${verdict.samples} results in the window)` },
    };
  },
};
