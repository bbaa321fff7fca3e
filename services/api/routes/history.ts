import { z } from 'zod';
import { hasProbeResults } from '../../../libs/config/index.js';
import type { LatencyStats } from '../../../libs/metrics/index.js';
import { isoOf, type ApiContext } from '../context.js';
import { configuredCheck, metricsReaderOf, readingMetrics } from '../monitoring.js';
import { defineRoute, invalid, type AnyRoute } from '../route.js';
import { historyPoints, historyStepMs } from '../series.js';
import { bucketOffsetMs, UPTIME_WINDOWS, uptimeBucketMs, uptimeOf, type UptimeWindow } from '../uptime.js';

const HOUR_MS = 3_600_000;
const RANGES_MS = { '1h': HOUR_MS, '6h': 6 * HOUR_MS, '24h': 24 * HOUR_MS, '7d': 7 * 24 * HOUR_MS, '30d': 30 * 24 * HOUR_MS } as const;
const RANGES = Object.keys(RANGES_MS) as [keyof typeof RANGES_MS, ...Array<keyof typeof RANGES_MS>];

const historyQuery = z.object({
  range: z.enum(RANGES).optional().describe('How far back from now; 24h unless `from` is given'),
  from: z.iso.datetime({ offset: true }).optional().describe('ISO 8601 start, instead of `range`'),
  to: z.iso.datetime({ offset: true }).optional().describe('ISO 8601 end, with `from`; now by default'),
  points: z.coerce.number().int().min(10).max(1_000).default(200).describe('At most this many buckets'),
}).superRefine((query, ctx) => {
  if (query.range !== undefined && (query.from !== undefined || query.to !== undefined)) {
    ctx.addIssue({ code: 'custom', path: ['range'], message: 'give either range or from/to, not both' });
  }
  if (query.to !== undefined && query.from === undefined) ctx.addIssue({ code: 'custom', path: ['from'], message: 'is needed with to' });
  if (query.from !== undefined && query.to !== undefined && Date.parse(query.from) >= Date.parse(query.to)) {
    ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
  }
});

const nullableMs = z.number().nullable();

const historyPoint = z.object({
  at: z.string().describe('ISO 8601: the bucket\'s start'),
  latencyP50Ms: nullableMs,
  latencyP95Ms: nullableMs,
  latencyMeanMs: nullableMs,
  upRatio: z.number().nullable().describe('Up results among up and down ones; maintenance is left out'),
  results: z.number().describe('Results in the bucket; 0 with nulls where there were none'),
}).meta({ id: 'HistoryPoint' });

const uptimeWindow = z.object({
  window: z.enum(Object.keys(UPTIME_WINDOWS) as [UptimeWindow, ...UptimeWindow[]]),
  uptime: z.number().nullable().describe('upMs / (upMs + downMs); null when nothing is known'),
  upMs: z.number(),
  downMs: z.number(),
  unknownMs: z.number().describe('Time without any result: Vigil was not running, or nothing was stored'),
  maintenanceMs: z.number(),
  latencyP50Ms: nullableMs,
  latencyP95Ms: nullableMs,
}).meta({ id: 'UptimeWindow' });

/** Where the history's buckets are: the range ending now, or from/to. */
function spanOf(query: z.output<typeof historyQuery>, nowMs: number): { fromMs: number; toMs: number } {
  if (query.from === undefined) return { fromMs: nowMs - RANGES_MS[query.range ?? '24h'], toMs: nowMs };
  return { fromMs: Date.parse(query.from), toMs: query.to === undefined ? nowMs : Date.parse(query.to) };
}

export function historyRoutes(ctx: ApiContext): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET', path: '/checks/:id/history', access: 'read',
      summary: 'A check\'s probe results in time buckets: latency percentiles, share up, result count (all regions together)',
      params: z.object({ id: z.string() }),
      query: historyQuery,
      response: z.object({ checkId: z.string(), from: z.string(), to: z.string(), stepMs: z.number(), points: z.array(historyPoint) }),
      errors: [404, 503],
      async handler({ params, query }) {
        const check = configuredCheck(ctx, params.id);
        const { fromMs, toMs } = spanOf(query, ctx.now().getTime());
        if (fromMs >= toMs) throw invalid('query.from', 'must be before now when to is not given');
        const stepMs = historyStepMs(toMs - fromMs, query.points);
        const answer = { checkId: check.id, from: isoOf(fromMs)!, to: isoOf(toMs)!, stepMs };
        // Nothing probes a heartbeat: it has no results to chart, which is not an error.
        if (!hasProbeResults(check)) return { ...answer, points: historyPoints(fromMs, toMs, stepMs, undefined, undefined) };
        const metrics = metricsReaderOf(ctx, 'History');
        const bucketQuery = { checkIds: [check.id], fromMs, toMs, bucketMs: stepMs, offsetMs: fromMs % stepMs };
        const [counts, latency] = await readingMetrics(metrics, () => Promise.all([metrics.resultCounts(bucketQuery), metrics.latency(bucketQuery)]));
        return { ...answer, points: historyPoints(fromMs, toMs, stepMs, counts.get(check.id), latency.get(check.id)) };
      },
    }),
    defineRoute({
      method: 'GET', path: '/checks/:id/uptime', access: 'read',
      summary: 'A check\'s uptime over 24 hours, 7 and 30 days, as time: time without results is unknown, maintenance is left out',
      params: z.object({ id: z.string() }),
      response: z.object({ checkId: z.string(), windows: z.array(uptimeWindow) }),
      errors: [404, 503],
      async handler({ params }) {
        const check = configuredCheck(ctx, params.id);
        const nowMs = ctx.now().getTime();
        const names = Object.keys(UPTIME_WINDOWS) as UptimeWindow[];
        if (!hasProbeResults(check)) {
          return { checkId: check.id, windows: names.map((window) => ({ window, uptime: null, upMs: 0, downMs: 0, unknownMs: 0, maintenanceMs: 0, latencyP50Ms: null, latencyP95Ms: null })) };
        }
        const metrics = metricsReaderOf(ctx, 'Uptime');
        const windows = await readingMetrics(metrics, () => Promise.all(names.map(async (window) => {
          const { windowMs, minBucketMs } = UPTIME_WINDOWS[window];
          const fromMs = nowMs - windowMs;
          const bucketMs = uptimeBucketMs(windowMs, minBucketMs, check.intervalMs);
          const offsetMs = bucketOffsetMs(fromMs, windowMs, bucketMs);
          const [counts, latency] = await Promise.all([
            metrics.resultCounts({ checkIds: [check.id], fromMs, toMs: nowMs, bucketMs, offsetMs }),
            // One bucket: the whole window.
            metrics.latency({ checkIds: [check.id], fromMs, toMs: nowMs, bucketMs: windowMs, offsetMs: fromMs % windowMs }),
          ]);
          const stats: LatencyStats | undefined = latency.get(check.id)?.get(fromMs);
          return {
            window,
            ...uptimeOf({ fromMs, toMs: nowMs, bucketMs, offsetMs, counts: counts.get(check.id), nowMs }),
            latencyP50Ms: stats?.p50Ms ?? null,
            latencyP95Ms: stats?.p95Ms ?? null,
          };
        })));
        return { checkId: check.id, windows };
      },
    }),
  ];
}
