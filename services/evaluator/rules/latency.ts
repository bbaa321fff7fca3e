/**
 * Latency rule, pure: is a percentile of response times over a sliding window above a limit?
 * (`latency: { p95: 800ms, over: 5m }`). Time comes in as `nowMs`; nothing here reads a clock.
 *
 * The percentile is nearest-rank: sort the window's values and take the one at rank
 * ceil(P/100 × N) (1-based). It always returns a value that was actually measured, needs no
 * interpolation, and is exact on small windows: p95 of 20 samples is the 19th slowest.
 */

import type { MeasuredRule } from './measured-rule.js';

export type Percentile = 50 | 90 | 95 | 99;

export interface LatencySample {
  /** When the response time was measured (the probe's scheduled time), epoch ms. */
  atMs: number;
  valueMs: number;
}

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
 * read, sorted and written back on every result: a 1 s check over a 1 h window would carry
 * 3,600 samples (~100 KB) per write. 1,000 keeps the state small and the sort cheap while a
 * p99 still rests on the 10 slowest samples. When the cap bites, the window is the newest
 * 1,000 samples, a little shorter than `over`, which is the part that matters for an alert.
 */
export const MAX_LATENCY_SAMPLES = 1_000;

/** Nearest-rank percentile of `values`; undefined for no values. */
export function nearestRankPercentile(values: readonly number[], percentile: Percentile): number | undefined {
  if (values.length === 0) return undefined;
  // A typed array sorts numerically without a comparator: several times faster on every result.
  const sorted = Float64Array.from(values).sort();
  // Integer product first, so 95 × 20 / 100 is exactly 19 and not 19.000000000000004.
  const rank = Math.max(1, Math.ceil((percentile * sorted.length) / 100));
  return sorted[rank - 1];
}

/**
 * The samples inside the window (nowMs − overMs, nowMs]: a sample exactly `overMs` old has left
 * it, and one dated after now (a clock ahead of ours) is not counted until its time comes.
 */
export function samplesInWindow(samples: readonly LatencySample[], overMs: number, nowMs: number): LatencySample[] {
  return samples.filter((sample) => sample.atMs > nowMs - overMs && sample.atMs <= nowMs);
}

export function evaluateLatency(samples: readonly LatencySample[], rule: LatencyRule, nowMs: number): LatencyVerdict {
  const window = samplesInWindow(samples, rule.overMs, nowMs);
  const value = nearestRankPercentile(
    window.map((sample) => sample.valueMs),
    rule.percentile,
  );
  if (value === undefined) return { breached: false, samples: 0 };
  return { breached: value > rule.limitMs, value, samples: window.length };
}

/**
 * The window to store after adding a sample: only samples still inside it, oldest first, at most
 * `maxSamples` (the newest ones). Samples may arrive out of order (batches, retries), hence the sort.
 */
export function trimSampleWindow(
  samples: readonly LatencySample[],
  overMs: number,
  nowMs: number,
  maxSamples: number = MAX_LATENCY_SAMPLES,
): LatencySample[] {
  const kept = samplesInWindow(samples, overMs, nowMs);
  if (!inTimeOrder(kept)) kept.sort((a, b) => a.atMs - b.atMs);
  return kept.slice(Math.max(0, kept.length - maxSamples));
}

/** Nearly always true (results come in order), and cheaper to check than to sort. */
function inTimeOrder(samples: readonly LatencySample[]): boolean {
  for (let i = 1; i < samples.length; i++) if (samples[i]!.atMs < samples[i - 1]!.atMs) return false;
  return true;
}

/**
 * What the latency rule keeps between results, flat so the stored JSON is short and parses into
 * one array: [referenceMs, age1, value1, age2, value2, ...], each sample's time as its age in ms
 * before referenceMs (the last reading's time), oldest first.
 */
export type LatencyMemory = number[];

export function encodeSamples(samples: readonly LatencySample[], referenceMs: number): LatencyMemory {
  const flat = [referenceMs];
  for (const sample of samples) flat.push(referenceMs - sample.atMs, sample.valueMs);
  return flat;
}

export function decodeSamples(memory: LatencyMemory | undefined): LatencySample[] {
  if (memory === undefined || memory.length === 0) return [];
  const referenceMs = memory[0]!;
  const samples: LatencySample[] = [];
  for (let i = 1; i + 1 < memory.length; i += 2) samples.push({ atMs: referenceMs - memory[i]!, valueMs: memory[i + 1]! });
  return samples;
}

function formatMs(ms: number): string {
  return `${Math.round(ms * 10) / 10}ms`;
}

export const latencyAlertRule: MeasuredRule<LatencyRule, LatencyMemory> = {
  name: 'latency',
  alertname: 'LatencyHigh',
  configOf: (check) => check.latency,
  observe(memory, reading, rule) {
    const samples = decodeSamples(memory);
    if (reading.responseMs !== undefined) samples.push({ atMs: reading.atMs, valueMs: reading.responseMs });
    const kept = trimSampleWindow(samples, rule.overMs, reading.atMs);
    const next = encodeSamples(kept, reading.atMs);
    const verdict = evaluateLatency(kept, rule, reading.atMs);
    if (verdict.value === undefined) return { memory: next };
    const value = `p${rule.percentile} ${formatMs(verdict.value)} over ${verdict.samples} results`;
    return {
      memory: next,
      verdict: { firing: verdict.breached, value, description: `p${rule.percentile} response time ${formatMs(verdict.value)} is above ${formatMs(rule.limitMs)} (${verdict.samples} results in the window)` },
    };
  },
};
