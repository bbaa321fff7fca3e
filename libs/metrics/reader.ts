/**
 * What the api service reads back from InfluxDB: counts and latencies of probe results per
 * time bucket, never raw points, so an answer's size follows the number of buckets and not
 * the number of probes. Implementations: influx-v1-reader.ts (InfluxQL) and
 * influx-v2-reader.ts (Flux); both classify results the same way (resultClassOf).
 */

/** Results in one bucket by class; paused results (a check not monitored) are not counted. */
export interface ResultCounts {
  /** Succeeded, outside maintenance. */
  up: number;
  /** Failed, outside maintenance. */
  down: number;
  /** Any outcome while the check was in a maintenance window. */
  maintenance: number;
}

/** Latency of the successful results in one bucket (a failed probe's time is its timeout, not the target's speed). */
export interface LatencyStats {
  p50Ms: number | null;
  p95Ms: number | null;
  meanMs: number | null;
}

export interface BucketQuery {
  /** The checks to read; every check when absent (one query for the whole grid). */
  checkIds?: readonly string[];
  fromMs: number;
  /** Exclusive. */
  toMs: number;
  bucketMs: number;
  /** Buckets start at offsetMs + k × bucketMs (0: aligned to the epoch, so to UTC days). */
  offsetMs?: number;
}

/** check id → bucket start (epoch ms) → value; buckets without results are absent. */
export type PerCheckBuckets<T> = Map<string, Map<number, T>>;

export interface MetricsReader {
  readonly target: string;
  resultCounts(query: BucketQuery): Promise<PerCheckBuckets<ResultCounts>>;
  latency(query: BucketQuery): Promise<PerCheckBuckets<LatencyStats>>;
  /** Each check's newest successful latency in [fromMs, toMs). */
  latestLatency(query: { checkIds?: readonly string[]; fromMs: number; toMs: number }): Promise<Map<string, number>>;
  close(): Promise<void>;
}

/** InfluxDB could not answer (unreachable, refused, timed out); the API turns it into a 503. */
export class MetricsReadError extends Error {
  override readonly name = 'MetricsReadError';
  readonly code = 'VIGIL_METRICS_READ_FAILED';

  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

export type ResultClass = keyof ResultCounts;

/** The one rule both query languages implement; undefined: not counted (paused). */
export function resultClassOf(success: boolean, state: string): ResultClass | undefined {
  if (state === 'paused') return undefined;
  if (state === 'maintenance') return 'maintenance';
  return success ? 'up' : 'down';
}

/** The start of the bucket holding `atMs`: both backends label buckets differently at the range's edges. */
export function bucketStartOf(atMs: number, bucketMs: number, offsetMs = 0): number {
  return offsetMs + Math.floor((atMs - offsetMs) / bucketMs) * bucketMs;
}

export function emptyCounts(): ResultCounts {
  return { up: 0, down: 0, maintenance: 0 };
}

/** The entry of `check` at `bucket`, created with `empty` when missing. */
export function entryOf<T>(buckets: PerCheckBuckets<T>, check: string, bucket: number, empty: () => T): T {
  let byBucket = buckets.get(check);
  if (!byBucket) buckets.set(check, (byBucket = new Map()));
  let entry = byBucket.get(bucket);
  if (entry === undefined) byBucket.set(bucket, (entry = empty()));
  return entry;
}
