/**
 * Uptime as time, not as a count of results: the window is cut into buckets on a fixed grid,
 * each bucket's time is shared between up, down and maintenance in the proportion of its
 * results, and a bucket without any result is unknown (Vigil was not running, or nothing
 * was stored): it counts neither for nor against the check. A check probed faster while it
 * fails (retryInterval) therefore weighs its outage by its length, not by its probe count.
 * Pure: the routes read the counts (libs/metrics) and hand them here.
 */
import type { ResultCounts } from '../../libs/metrics/index.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

export const UPTIME_WINDOWS = {
  '24h': { windowMs: DAY_MS, minBucketMs: 5 * MINUTE_MS },
  '7d': { windowMs: 7 * DAY_MS, minBucketMs: HOUR_MS },
  '30d': { windowMs: 30 * DAY_MS, minBucketMs: HOUR_MS },
} as const;
export type UptimeWindow = keyof typeof UPTIME_WINDOWS;

/** Bucket lengths that divide a day, so buckets aligned to the epoch are aligned to UTC days. */
const BUCKET_LADDER_MS = [5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 480, 720, 1440].map((minutes) => minutes * MINUTE_MS);

/**
 * The shortest ladder step of at least `minBucketMs` and two intervals (so a running check
 * has a result in every bucket even when one probe is late) that divides the window; the
 * whole window when none does.
 */
export function uptimeBucketMs(windowMs: number, minBucketMs: number, intervalMs: number): number {
  const wantedMs = Math.max(minBucketMs, 2 * intervalMs);
  return BUCKET_LADDER_MS.find((bucketMs) => bucketMs >= wantedMs && windowMs % bucketMs === 0) ?? windowMs;
}

/** Where a window's grid starts: the epoch for ladder buckets, the window itself for a single bucket. */
export function bucketOffsetMs(fromMs: number, windowMs: number, bucketMs: number): number {
  return bucketMs === windowMs ? fromMs % bucketMs : 0;
}

export interface UptimeFigures {
  /** upMs / (upMs + downMs); null when no time is known. */
  uptime: number | null;
  upMs: number;
  downMs: number;
  unknownMs: number;
  maintenanceMs: number;
}

export interface UptimeInput {
  fromMs: number;
  /** Exclusive; usually now. */
  toMs: number;
  bucketMs: number;
  offsetMs: number;
  /** Bucket start → results in it; missing buckets had none. */
  counts: ReadonlyMap<number, ResultCounts> | undefined;
  nowMs: number;
}

/**
 * The window's figures. The first and last buckets count only the part inside the window;
 * the bucket still running at `nowMs` counts only once it has a result, since a result may
 * simply not be due yet.
 */
export function uptimeOf(input: UptimeInput): UptimeFigures {
  const { fromMs, toMs, bucketMs, offsetMs, counts, nowMs } = input;
  let upMs = 0;
  let downMs = 0;
  let unknownMs = 0;
  let maintenanceMs = 0;
  const firstStartMs = offsetMs + Math.floor((fromMs - offsetMs) / bucketMs) * bucketMs;
  for (let startMs = firstStartMs; startMs < toMs; startMs += bucketMs) {
    const lengthMs = Math.min(startMs + bucketMs, toMs) - Math.max(startMs, fromMs);
    const bucket = counts?.get(startMs);
    const total = bucket === undefined ? 0 : bucket.up + bucket.down + bucket.maintenance;
    if (total === 0) {
      if (startMs + bucketMs <= nowMs) unknownMs += lengthMs;
      continue;
    }
    upMs += (lengthMs * bucket!.up) / total;
    downMs += (lengthMs * bucket!.down) / total;
    maintenanceMs += (lengthMs * bucket!.maintenance) / total;
  }
  const judgedMs = upMs + downMs;
  return {
    uptime: judgedMs > 0 ? upMs / judgedMs : null,
    upMs: Math.round(upMs),
    downMs: Math.round(downMs),
    unknownMs: Math.round(unknownMs),
    maintenanceMs: Math.round(maintenanceMs),
  };
}
