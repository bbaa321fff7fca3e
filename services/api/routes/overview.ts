import { z } from 'zod';
import { hasProbeResults, type Config } from '../../../libs/config/index.js';
import type { LatencyStats, MetricsReader, PerCheckBuckets, ResultCounts } from '../../../libs/metrics/index.js';
import type { ApiContext } from '../context.js';
import { readingMetrics } from '../monitoring.js';
import { defineRoute, type AnyRoute } from '../route.js';
import { RecentAnswer } from '../recent-answer.js';
import { sparklineOf } from '../series.js';
import { bucketOffsetMs, uptimeBucketMs, uptimeOf } from '../uptime.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** The grid polls; 10,000 checks cost the same few queries once per this long per api process. */
export const OVERVIEW_CACHE_MS = 30_000;
export const SPARKLINE_BUCKETS = 30;
const SPARKLINE_STEP_MS = HOUR_MS / SPARKLINE_BUCKETS;
/**
 * The grid's 24 h uptime uses buckets of at least an hour (not /uptime's 5 minutes): 24 rows
 * per check instead of 288 keeps 10,000 checks one modest answer. A gap shorter than a bucket
 * therefore does not show as unknown here.
 */
const OVERVIEW_MIN_BUCKET_MS = HOUR_MS;

const overviewCheck = z.object({
  id: z.string(),
  uptime24h: z.number().nullable().describe('Time up / time judged over the last 24 hours; null when nothing is known'),
  latencyMs: z.number().nullable().describe('The newest successful probe\'s latency within the last hour'),
  sparkline: z.array(z.number().nullable()).describe(`Mean latency of successful probes in ${SPARKLINE_BUCKETS} buckets over the last hour, oldest first`),
}).meta({ id: 'OverviewCheck' });

const overviewResponse = z.object({ generatedAt: z.string(), checks: z.array(overviewCheck) });
type Overview = z.output<typeof overviewResponse>;

interface GridData {
  counts: Map<number, PerCheckBuckets<ResultCounts>>;
  sparkline: PerCheckBuckets<LatencyStats>;
  latest: Map<string, number>;
}

/**
 * A bounded number of queries whatever the number of checks: one per distinct bucket length
 * (a short fixed ladder), the most common one over every check, plus the sparklines and the
 * newest latencies grouped by check.
 */
async function gridData(metrics: MetricsReader, config: Config, nowMs: number, sparkFromMs: number): Promise<GridData> {
  const groups = new Map<number, string[]>();
  for (const check of config.checks.filter(hasProbeResults)) {
    const bucketMs = uptimeBucketMs(DAY_MS, OVERVIEW_MIN_BUCKET_MS, check.intervalMs);
    const ids = groups.get(bucketMs);
    if (ids) ids.push(check.id);
    else groups.set(bucketMs, [check.id]);
  }
  const largest = [...groups.values()].reduce<string[] | undefined>((best, ids) => (best === undefined || ids.length > best.length ? ids : best), undefined);
  const fromMs = nowMs - DAY_MS;
  const [counts, sparkline, latest] = await Promise.all([
    Promise.all([...groups].map(async ([bucketMs, ids]) => [bucketMs, await metrics.resultCounts({
      ...(ids === largest ? {} : { checkIds: ids }), fromMs, toMs: nowMs, bucketMs, offsetMs: bucketOffsetMs(fromMs, DAY_MS, bucketMs),
    })] as const)),
    metrics.latency({ fromMs: sparkFromMs, toMs: nowMs, bucketMs: SPARKLINE_STEP_MS, offsetMs: 0 }),
    metrics.latestLatency({ fromMs: nowMs - HOUR_MS, toMs: nowMs }),
  ]);
  return { counts: new Map(counts), sparkline, latest };
}

function overviewOf(config: Config, nowMs: number, sparkFromMs: number, data: GridData | undefined): Overview {
  return {
    generatedAt: new Date(nowMs).toISOString(),
    checks: config.checks.map((check) => {
      if (data === undefined || !hasProbeResults(check)) return { id: check.id, uptime24h: null, latencyMs: null, sparkline: Array<null>(SPARKLINE_BUCKETS).fill(null) };
      const bucketMs = uptimeBucketMs(DAY_MS, OVERVIEW_MIN_BUCKET_MS, check.intervalMs);
      const fromMs = nowMs - DAY_MS;
      const counts = data.counts.get(bucketMs)?.get(check.id);
      return {
        id: check.id,
        uptime24h: uptimeOf({ fromMs, toMs: nowMs, bucketMs, offsetMs: bucketOffsetMs(fromMs, DAY_MS, bucketMs), counts, nowMs }).uptime,
        latencyMs: data.latest.get(check.id) ?? null,
        sparkline: sparklineOf(sparkFromMs, sparkFromMs + SPARKLINE_BUCKETS * SPARKLINE_STEP_MS, SPARKLINE_STEP_MS, data.sparkline.get(check.id)),
      };
    }),
  };
}

export function overviewRoutes(ctx: ApiContext): AnyRoute[] {
  // One answer in the making or made, per configuration; a failed one is not kept.
  const recent = new RecentAnswer<Config, Overview>(OVERVIEW_CACHE_MS);

  async function make(config: Config, nowMs: number): Promise<Overview> {
    // The sparkline's buckets sit on a fixed grid, so the points do not shift between polls.
    const sparkFromMs = Math.floor(nowMs / SPARKLINE_STEP_MS) * SPARKLINE_STEP_MS - (SPARKLINE_BUCKETS - 1) * SPARKLINE_STEP_MS;
    const metrics = ctx.metrics;
    if (metrics === undefined) return overviewOf(config, nowMs, sparkFromMs, undefined);
    const data = await readingMetrics(metrics, () => gridData(metrics, config, nowMs, sparkFromMs));
    return overviewOf(config, nowMs, sparkFromMs, data);
  }

  return [
    defineRoute({
      method: 'GET', path: '/overview', access: 'read',
      summary: 'Every check\'s 24 h uptime, latest latency and last hour\'s latency, for the dashboard grid (cached 30 s)',
      response: overviewResponse,
      errors: [503],
      async handler() {
        const config = ctx.config();
        const nowMs = ctx.now().getTime();
        return recent.get(config, nowMs, () => make(config, nowMs));
      },
    }),
  ];
}
