/**
 * Anomaly, pure: is this response time far slower than the check's own recent normal?
 *
 * The baseline is the median and the MAD (median absolute deviation) of the recent samples, not
 * the mean and standard deviation: one 30 s timeout in the history would drag a mean and inflate a
 * standard deviation enough to hide the next real slowdown, while median and MAD ignore it. MAD
 * times 1.4826 estimates the standard deviation for normally distributed data, so the score reads
 * as "standard deviations from normal".
 *
 * The sample being judged is not part of its own baseline; the caller appends it afterwards
 * (`rememberSample`). The history should hold successful probes' response times only: a failed
 * probe's time is its timeout, which says nothing about normal speed and is another rule's alert.
 */

import { fromMicros, toMicros, type MeasuredRule } from './measured-rule.js';
import { kthSmallest } from './order-statistics.js';

/** Scales MAD to estimate the standard deviation of normally distributed data (1 / Φ⁻¹(3/4)). */
export const MAD_TO_SIGMA = 1.4826;

export interface AnomalyRule {
  /** How many recent samples make the baseline. */
  windowSamples: number;
  /** Below this many samples there is no "normal" yet, and the rule never fires. */
  minSamples: number;
  /** Score above which a sample is anomalous. */
  threshold: number;
  /** Floors on the spread (1.4826 × MAD) in ms and as a fraction of the median; see `spreadOf`. */
  minSpreadMs: number;
  minSpreadRatio: number;
}

export const DEFAULT_ANOMALY_RULE: AnomalyRule = {
  // Two hours of history at one probe a minute: long enough that a slow hour is not "normal".
  windowSamples: 120,
  // Thirty samples give a median and MAD that a few odd values cannot move much.
  minSamples: 30,
  // Three standard deviations, the usual outlier cut-off: for normal data about 1 sample in 740 is
  // that much slower by chance. Latency tails are heavier than normal, so a lower value pages on noise.
  threshold: 3,
  // With a constant history (MAD = 0, common when times are whole milliseconds) any change would
  // score infinity. A spread of at least 1 ms and 5% of the median means that, with the default
  // threshold, a constant check alerts only when it is at least 15% and 3 ms slower.
  minSpreadMs: 1,
  minSpreadRatio: 0.05,
};

export interface Baseline {
  median: number;
  mad: number;
}

export interface AnomalyVerdict {
  anomalous: boolean;
  /** (x − median) / spread: positive when slower than normal. Absent until there are `minSamples`. */
  score?: number;
  /** Absent only when there is no history at all. */
  baseline?: Baseline;
  /** How many samples the baseline used. */
  samples: number;
}

export function median(values: ArrayLike<number>): number | undefined {
  return values.length === 0 ? undefined : medianInPlace(Float64Array.from(values));
}

/** The median of `scratch`, which it reorders. */
function medianInPlace(scratch: Float64Array): number {
  const middle = scratch.length >>> 1;
  const upper = kthSmallest(scratch, middle);
  if (scratch.length % 2 === 1) return upper;
  // kthSmallest leaves everything before `middle` no larger than it: the lower middle is their maximum.
  let lower = scratch[0]!;
  for (let index = 1; index < middle; index++) if (scratch[index]! > lower) lower = scratch[index]!;
  return (lower + upper) / 2;
}

/** Median and MAD in one scratch copy: the deviations overwrite the values, whose order no longer matters. */
export function robustBaseline(values: ArrayLike<number>): Baseline | undefined {
  if (values.length === 0) return undefined;
  const scratch = Float64Array.from(values);
  const centre = medianInPlace(scratch);
  for (let index = 0; index < scratch.length; index++) scratch[index] = Math.abs(scratch[index]! - centre);
  return { median: centre, mad: medianInPlace(scratch) };
}

/** The spread a score is measured in: 1.4826 × MAD, but never below the floors, so MAD = 0 cannot divide by zero. */
export function spreadOf(baseline: Baseline, rule: Pick<AnomalyRule, 'minSpreadMs' | 'minSpreadRatio'>): number {
  return Math.max(MAD_TO_SIGMA * baseline.mad, rule.minSpreadMs, rule.minSpreadRatio * baseline.median);
}

/**
 * Judges `responseMs` against the last `windowSamples` of `history` (oldest first).
 * Only slowdowns are anomalous: a check answering faster than usual hurts nobody, and the fast
 * failures that matter (an error page, a refused connection) are caught by the probe's assertions.
 */
export function detectAnomaly(history: readonly number[] | Float64Array, responseMs: number, rule: AnomalyRule = DEFAULT_ANOMALY_RULE): AnomalyVerdict {
  const window = history.length > rule.windowSamples ? history.slice(-rule.windowSamples) : history;
  const baseline = robustBaseline(window);
  if (baseline === undefined) return { anomalous: false, samples: 0 };
  if (window.length < rule.minSamples) return { anomalous: false, baseline, samples: window.length };
  const score = (responseMs - baseline.median) / spreadOf(baseline, rule);
  return { anomalous: score > rule.threshold, score, baseline, samples: window.length };
}

/** Appends a sample and keeps only the last `windowSamples`, so the stored history stays bounded. */
export function rememberSample(history: readonly number[], responseMs: number, rule: Pick<AnomalyRule, 'windowSamples'> = DEFAULT_ANOMALY_RULE): number[] {
  const kept = history.slice(Math.max(0, history.length + 1 - rule.windowSamples));
  kept.push(responseMs);
  return kept;
}

/**
 * Anomalous results in a row before the alert fires, and normal ones in a row before it resolves.
 * One sample beyond three standard deviations happens by chance about once in 740 results (more
 * often with latency's heavy tail); three in a row, by chance, practically never.
 */
export const ANOMALY_STREAK = 3;

export interface AnomalyMemory {
  /** Recent successful response times in whole µs (`toMicros`), oldest first, at most `windowSamples`. */
  micros: number[];
  /** Anomalous results in a row (while quiet) or normal ones in a row (while firing). */
  streak: number;
  firing: boolean;
}

/** A plain loop: Float64Array.from with a map function goes through the iterator protocol, several times slower. */
function millisOf(micros: readonly number[]): Float64Array {
  const millis = new Float64Array(micros.length);
  for (let index = 0; index < micros.length; index++) millis[index] = fromMicros(micros[index]!);
  return millis;
}

export const anomalyAlertRule: MeasuredRule<AnomalyRule, AnomalyMemory> = {
  name: 'anomaly',
  alertname: 'LatencyAnomaly',
  configOf: (check) => check.anomaly,
  observe(memory, reading, rule) {
    // A memory without `micros` is from before samples were kept in µs: start afresh.
    const current = memory?.micros ? memory : { micros: [], streak: 0, firing: false };
    if (reading.responseMs === undefined) return { memory: current };
    const verdict = detectAnomaly(millisOf(current.micros), reading.responseMs, rule);
    const micros = rememberSample(current.micros, toMicros(reading.responseMs), rule);
    if (verdict.score === undefined || verdict.baseline === undefined) return { memory: { ...current, micros } };
    // While quiet, count anomalies in a row; while firing, count normal results in a row.
    const towardsChange = current.firing ? !verdict.anomalous : verdict.anomalous;
    const streak = towardsChange ? current.streak + 1 : 0;
    const firing = streak >= ANOMALY_STREAK ? !current.firing : current.firing;
    const normal = `median ${verdict.baseline.median}ms`;
    const value = `${reading.responseMs}ms, ${Math.round(verdict.score * 10) / 10} deviations from the ${normal}`;
    return {
      memory: { micros, streak: firing === current.firing ? streak : 0, firing },
      verdict: { firing, value, description: `response time ${reading.responseMs}ms is far slower than this check's normal (${normal} over the last ${verdict.samples} results)` },
    };
  },
};
