/**
 * What every check has, whatever its type, and the `defaults` section that fills it in.
 * A key of the defaults section is applied to each check that leaves it out (applyCheckDefaults
 * walks the parsed section), and the check types say so (WithCheckDefaults).
 */
import { z } from 'zod';
import { ruleFields } from './check-rules.js';
import { duration, id, inMs, labels, positiveInt } from './fields.js';

/** Per-type defaults of check fields (README, configuration reference). */
export const CHECK_DEFAULTS = {
  followRedirects: 5,
  maxBodyBytes: 1024 * 1024,
  icmpCount: 3,
  /** iputils ping sends no faster than this without privileges; a probe needs count × this. */
  icmpIntervalMs: 200,
} as const;

/** The keys a check can take from the defaults section, as the file spells them. */
const defaultable = {
  interval: duration,
  timeout: duration,
  /** Probe at this pace instead of the interval while the check is failing. */
  retryInterval: duration,
  /** Consecutive failures before down (and one alert). */
  failureThreshold: positiveInt,
  /** Consecutive successes before up again (and resolved). */
  successThreshold: positiveInt,
  /** Regions whose probe-workers (REGION=<name>) probe the check. */
  regions: z.array(id).min(1),
};
const DURATION_KEYS = ['interval', 'timeout', 'retryInterval'] as const;

/** The `defaults` section: the built-in defaults unless the file overrides them. */
export const checkDefaults = inMs(z.strictObject({
  interval: defaultable.interval.default(30_000),
  timeout: defaultable.timeout.default(5_000),
  retryInterval: defaultable.retryInterval.optional(),
  failureThreshold: defaultable.failureThreshold.default(3),
  successThreshold: defaultable.successThreshold.default(1),
  regions: defaultable.regions.default(() => ['default']),
  ...ruleFields,
}), DURATION_KEYS).prefault({});

export type CheckDefaults = z.output<typeof checkDefaults>;

/** The fields every check type accepts besides its own. */
const commonFields = {
  id,
  description: z.string().optional(),
  interval: defaultable.interval.optional(),
  timeout: defaultable.timeout.optional(),
  retryInterval: defaultable.retryInterval.optional(),
  failureThreshold: defaultable.failureThreshold.optional(),
  successThreshold: defaultable.successThreshold.optional(),
  /** A paused check is not probed and cannot alert; its state shows `paused`. */
  paused: z.boolean().optional(),
  /** Copied onto alerts. */
  labels: labels.default(() => ({})),
  /** While any of these checks is down, this check's alerts are held (inhibited): they would only repeat the news. */
  dependsOn: z.array(id).min(1).optional(),
  regions: defaultable.regions.optional(),
  ...ruleFields,
};

/** One check type's schema: the common fields and `shape` (its `type` literal and own keys), durations in ms. */
export function checkSchema<S extends z.core.$ZodShape & { type: z.ZodLiteral<string> }>(shape: S) {
  return inMs(z.strictObject({ ...commonFields, ...shape }), DURATION_KEYS);
}

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** A parsed check of each type (distributes over a union) once the defaults section has filled it in. */
export type WithCheckDefaults<C> = C extends unknown ? Simplify<Omit<C, keyof CheckDefaults> & CheckDefaults> : never;

/** What every check has, whatever its type. */
export type CheckCommon = Omit<WithCheckDefaults<z.output<ReturnType<typeof checkSchema<{ type: z.ZodLiteral<'any'> }>>>>, 'type'>;

/** `check` with each key of the defaults section it leaves out taken from `defaults`. */
export function applyCheckDefaults<C extends object>(check: C, defaults: CheckDefaults): WithCheckDefaults<C> {
  const out: Record<string, unknown> = { ...(check as Record<string, unknown>) };
  for (const [key, value] of Object.entries(defaults)) {
    if (out[key] === undefined && value !== undefined) out[key] = value;
  }
  return out as WithCheckDefaults<C>;
}
