/**
 * The evaluator's rules beyond up/down, as a check (or the defaults section) spells them. Each
 * key parses to the rule object its pure module in services/evaluator/rules/ takes, so the
 * evaluator passes it on unchanged. A rule set in `defaults` applies to every check that does
 * not set the same key; a check's own value replaces it whole (no merging of sub-keys).
 */
import { z } from 'zod';
import { duration, positiveInt, show } from './fields.js';

const PERCENTILE_KEYS = ['p50', 'p90', 'p95', 'p99'] as const;

/** `latency: { p95: 800ms, over: 5m }`: a percentile of response times over a window above a limit. */
export const latencyRule = z.strictObject({
  p50: duration.optional(),
  p90: duration.optional(),
  p95: duration.optional(),
  p99: duration.optional(),
  over: duration,
}).transform((value, ctx) => {
  const given = PERCENTILE_KEYS.filter((key) => value[key] !== undefined);
  if (given.length !== 1) {
    ctx.addIssue({ code: 'custom', message: `expected exactly one percentile limit (${PERCENTILE_KEYS.join(', ')}), got ${given.length === 0 ? 'none' : given.join(' and ')}` });
    return z.NEVER;
  }
  const key = given[0]!;
  return { percentile: Number(key.slice(1)) as 50 | 90 | 95 | 99, limitMs: value[key]!, overMs: value.over };
});

/** `certificate: { warn: 21d, critical: 7d }`: one alert whose severity follows the days left. */
export const certificateRule = z.strictObject({ warn: duration, critical: duration }).transform((value, ctx) => {
  if (value.critical > value.warn) {
    ctx.addIssue({ code: 'custom', path: ['critical'], message: `must not be longer than warn (a certificate is critical only after it has been a warning)` });
    return z.NEVER;
  }
  return { warnMs: value.warn, criticalMs: value.critical };
});

/** The longest Y: the outcome ring lives in the check's state and is rewritten on every result. */
export const MAX_X_OF_Y = 100;

/** `xOfY: { failures: 3, of: 5 }`: down when at least 3 of the last 5 probes failed. */
export const xOfYRule = z.strictObject({
  failures: positiveInt,
  of: z.number().int().min(1).max(MAX_X_OF_Y, { error: `expected at most ${MAX_X_OF_Y} probes` }),
}).refine((value) => value.failures <= value.of, { path: ['failures'], error: (issue) => `must not be more than of (${show((issue.input as { of: unknown }).of)}): ${show((issue.input as { failures: unknown }).failures)} failures among fewer probes can never happen` });

/** `flapping: { changes: 5, within: 10m, settle: 5m }`: more than 5 alert changes in 10 minutes hold notifications. */
export const flappingRule = z.strictObject({ changes: positiveInt, within: duration, settle: duration.optional() })
  .transform(({ changes, within, settle }) => ({ maxChanges: changes, windowMs: within, ...(settle === undefined ? {} : { settleMs: settle }) }));

/** `noData: { after: 5m }`, or `noData: false` to never raise NoData for the check. */
export const noDataRule = z.union([
  // A boolean rather than the literal false, so a mapping is judged by the mapping's own rules.
  z.boolean().refine((value) => value === false, { error: 'expected false (never raise NoData) or a mapping like { after: 5m }, got true' }).transform(() => false as const),
  z.strictObject({ after: duration }).transform(({ after }) => ({ afterMs: after })),
]);

/** `anomaly: { window: 120, minSamples: 30, threshold: 3 }` (each optional): response time far slower than its own normal. */
export const anomalyRule = z.strictObject({
  window: z.number().int().min(10).max(1_000).default(120),
  minSamples: z.number().int().min(5).default(30),
  threshold: z.number().positive().default(3),
}).refine((value) => value.minSamples <= value.window, { path: ['minSamples'], error: 'must not be more than window (the baseline never holds more samples than that)' })
  .transform(({ window, minSamples, threshold }) => ({ windowSamples: window, minSamples, threshold, minSpreadMs: 1, minSpreadRatio: 0.05 }));

export const TREND_METRICS = ['responseTime', 'certificateExpiry'] as const;

/**
 * `trend: { metric: responseTime, above: 800ms, within: 1h, window: 6h }` or
 * `trend: { metric: certificateExpiry, below: 7d, within: 14d, window: 7d }`: fires when a
 * straight line through the window's samples reaches the limit within `within`. Both metrics
 * are times, so the limit is a duration either way.
 */
export const trendRule = z.strictObject({
  metric: z.enum(TREND_METRICS, { error: (issue) => `expected ${TREND_METRICS.join(' or ')}, got ${show(issue.input)}` }),
  above: duration.optional(),
  below: duration.optional(),
  within: duration,
  window: duration,
  minSamples: z.number().int().min(3).optional(),
}).transform((value, ctx) => {
  if ((value.above === undefined) === (value.below === undefined)) {
    ctx.addIssue({ code: 'custom', message: 'expected exactly one of above or below (which way the value must go to breach)' });
    return z.NEVER;
  }
  const direction = value.above === undefined ? 'below' as const : 'above' as const;
  return {
    metric: value.metric,
    direction,
    limit: value.above ?? value.below!,
    horizonMs: value.within,
    windowMs: value.window,
    ...(value.minSamples === undefined ? {} : { minSamples: value.minSamples }),
  };
});

/** The rule keys a check and the defaults section take, all optional. */
export const ruleFields = {
  latency: latencyRule.optional(),
  certificate: certificateRule.optional(),
  xOfY: xOfYRule.optional(),
  flapping: flappingRule.optional(),
  noData: noDataRule.optional(),
  anomaly: anomalyRule.optional(),
  trend: trendRule.optional(),
  /** Regions that must see the check down before it alerts; capped at the regions it is probed from. */
  quorum: positiveInt.optional(),
};
