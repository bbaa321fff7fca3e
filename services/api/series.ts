/**
 * Time series for charts: InfluxDB answers only the buckets that had results (fill(none)),
 * the API answers every bucket, empty ones with nulls, so a chart shows a gap as a gap.
 */
import type { LatencyStats, ResultCounts } from '../../libs/metrics/index.js';

export interface HistoryPoint {
  /** ISO 8601: the bucket's start. */
  at: string;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  latencyMeanMs: number | null;
  /** Share of up results among up and down ones: maintenance is not judged. */
  upRatio: number | null;
  /** Every result counted in the bucket, maintenance included. */
  results: number;
}

/** The bucket length giving at most `points` buckets over the span, in whole seconds. */
export function historyStepMs(spanMs: number, points: number): number {
  return Math.max(1_000, Math.ceil(spanMs / points / 1_000) * 1_000);
}

/** Every bucket start from `fromMs` (included) to `toMs` (excluded). */
export function bucketStarts(fromMs: number, toMs: number, stepMs: number): number[] {
  const starts: number[] = [];
  for (let atMs = fromMs; atMs < toMs; atMs += stepMs) starts.push(atMs);
  return starts;
}

export function historyPoints(
  fromMs: number, toMs: number, stepMs: number,
  counts: ReadonlyMap<number, ResultCounts> | undefined, latency: ReadonlyMap<number, LatencyStats> | undefined,
): HistoryPoint[] {
  return bucketStarts(fromMs, toMs, stepMs).map((atMs) => {
    const count = counts?.get(atMs);
    const stats = latency?.get(atMs);
    const judged = count === undefined ? 0 : count.up + count.down;
    return {
      at: new Date(atMs).toISOString(),
      latencyP50Ms: stats?.p50Ms ?? null,
      latencyP95Ms: stats?.p95Ms ?? null,
      latencyMeanMs: stats?.meanMs ?? null,
      upRatio: judged > 0 ? count!.up / judged : null,
      results: count === undefined ? 0 : count.up + count.down + count.maintenance,
    };
  });
}

/** The mean latency of each bucket, null where there was none. */
export function sparklineOf(fromMs: number, toMs: number, stepMs: number, latency: ReadonlyMap<number, LatencyStats> | undefined): Array<number | null> {
  return bucketStarts(fromMs, toMs, stepMs).map((atMs) => latency?.get(atMs)?.meanMs ?? null);
}
