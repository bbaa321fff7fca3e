import { z } from 'zod';
import { headerName, numeric, pattern } from './fields.js';

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** A JSON scalar, as YAML writes it. */
export type Scalar = z.output<typeof scalar>;

export const MATCHER_OPERATORS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'contains', 'matches', 'exists'] as const;

/**
 * Conditions on one value (a JSON path's value, a response header), ANDed: `{ gte: 1, lt: 10 }`.
 * `exists: false` alone asserts absence.
 */
const conditions = z.strictObject({
  /** Equal; numbers and strings compare by their text ("42" equals 42). */
  eq: scalar.optional(),
  ne: scalar.optional(),
  gt: numeric.optional(),
  gte: numeric.optional(),
  lt: numeric.optional(),
  lte: numeric.optional(),
  /** Substring of a string, or an element of a list. */
  contains: scalar.optional(),
  /** RE2 pattern searched in the value's text. */
  matches: pattern.optional(),
  exists: z.boolean().optional(),
}).superRefine((given, ctx) => {
  const keys = Object.keys(given).filter((key) => given[key as keyof typeof given] !== undefined);
  if (keys.length === 0) ctx.addIssue({ code: 'custom', message: `expected at least one condition of: ${MATCHER_OPERATORS.join(', ')}` });
  if (given.exists === false && keys.length > 1) ctx.addIssue({ code: 'custom', message: 'exists: false cannot be combined with other conditions' });
}, { when: (payload) => payload.issues.length === 0 });

export type ValueMatcher = z.output<typeof conditions>;

/** The shorthand `"$.status": UP` is `{ eq: "UP" }`. */
export const valueMatcher = z.union([z.string(), z.number(), z.boolean(), z.null(), conditions])
  .transform((value): ValueMatcher => isConditions(value) ? dropUndefined(value) : { eq: value });

function isConditions(value: Scalar | ValueMatcher): value is ValueMatcher {
  return value !== null && typeof value === 'object';
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Response headers to check, by name (matched case-insensitively, so kept lowercase). */
export const expectedHeaders = z.record(headerName, valueMatcher).transform((headers, ctx) => {
  const lower: Record<string, ValueMatcher> = {};
  for (const [name, matcher] of Object.entries(headers)) {
    const key = name.toLowerCase();
    if (key in lower) ctx.addIssue({ code: 'custom', message: `header "${key}" is listed twice (names are case-insensitive)`, path: [name] });
    lower[key] = matcher;
  }
  return lower;
});
