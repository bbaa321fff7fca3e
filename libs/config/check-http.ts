import { z } from 'zod';
import { CHECK_DEFAULTS, checkSchema, type WithCheckDefaults } from './check-common.js';
import type { ConfigProblem } from './errors.js';
import { boundedInt, byteSize, duration, httpUrl, inMs, pattern, requestHeaders, show } from './fields.js';
import { expectedHeaders, valueMatcher } from './matchers.js';
import { tlsClient } from './tls-client.js';

const statusEntry = z.unknown().transform((value, ctx) => {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 599) return value;
  if (typeof value === 'string' && /^[1-5](xx|\d\d)$/.test(value)) return /^\d+$/.test(value) ? Number(value) : value;
  ctx.addIssue({ code: 'custom', message: `expected a status code like 200 or a class like "2xx", got ${show(value)}` });
  return z.NEVER;
});

const jsonPath = z.string().regex(/^\$(\.[A-Za-z_$][\w$-]*|\[\d+\])*$/, {
  error: (issue) => `expected a JSON path like "$.status" or "$.items[0].id", got ${show(issue.input)}`,
});

const httpExpect = inMs(z.strictObject({
  /** Exact codes and classes such as "2xx"; default ["2xx"]. */
  status: z.array(statusEntry).min(1).default(() => ['2xx']),
  /** Total time, all hops and the body included. */
  maxResponseTime: duration.optional(),
  bodyContains: z.string().optional(),
  /** RE2 pattern. */
  bodyMatches: pattern.optional(),
  /** JSONPath-style path ("$.status", "$.items[0].id") to the conditions on its value. */
  json: z.record(jsonPath, valueMatcher).optional(),
  /** Response header name (lowercase) to the conditions on its value. */
  headers: expectedHeaders.optional(),
  certExpiresAfter: duration.optional(),
}), ['maxResponseTime', 'certExpiresAfter']);

export type HttpExpect = z.output<typeof httpExpect>;

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

export const httpCheck = checkSchema({
  type: z.literal('http'),
  url: httpUrl,
  method: z.enum(HTTP_METHODS).default('GET'),
  headers: requestHeaders.default(() => ({})),
  body: z.string().optional(),
  /** Redirects followed, each on a connection of its own; 0 = the 3xx is the response. */
  followRedirects: boundedInt(0, 20, 'a number of redirects (0 = do not follow)').default(CHECK_DEFAULTS.followRedirects),
  /** Response bytes read at most, when an assertion needs the body. */
  maxBodyBytes: byteSize.default(CHECK_DEFAULTS.maxBodyBytes),
  tls: tlsClient.prefault({}),
  expect: httpExpect.prefault({}),
});

export type HttpCheckConfig = WithCheckDefaults<z.output<typeof httpCheck>>;

/** Rules between fields that the schema cannot express field by field. */
export function httpCheckProblems(check: HttpCheckConfig, at: string): ConfigProblem[] {
  if (check.expect.certExpiresAfterMs !== undefined && check.url.startsWith('http:') && check.followRedirects === 0) {
    return [{ path: `${at}.expect.certExpiresAfter`, message: 'needs an https:// URL (or redirects to one): this check never sees a certificate' }];
  }
  return [];
}
