import { z } from 'zod';
import { parseDuration } from './duration.js';

/** Shows a user's value in an error message the way they wrote it. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'a list' : 'a mapping';
}

const duration = z.unknown().transform((value, ctx) => {
  const ms = typeof value === 'string' ? parseDuration(value) : undefined;
  if (ms !== undefined) return ms;
  ctx.addIssue({ code: 'custom', message: `expected a duration like "30s", got ${show(value)}` });
  return z.NEVER;
});

const positiveInt = z.number().int().min(1);
/** Also accepts digits in a string, since `${PORT}` from the environment expands to text. */
const port = z.unknown().transform((value, ctx) => {
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number === 'number' && Number.isInteger(number) && number >= 1 && number <= 65535) return number;
  ctx.addIssue({ code: 'custom', message: `expected a port number from 1 to 65535, got ${show(value)}` });
  return z.NEVER;
});
const id = z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, {
  error: (issue) => `expected an id of lowercase letters, digits, "_", "." or "-" (starting with a letter or digit), got ${show(issue.input)}`,
});
const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, {
  error: (issue) => `expected a label name like "team", got ${show(issue.input)}`,
});
const labels = z.record(labelName, z.union([z.string(), z.number(), z.boolean()]).transform(String));
const stringMap = z.record(z.string(), z.string());
const pattern = z.string().superRefine((source, ctx) => {
  try {
    new RegExp(source);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `expected a regular expression, got ${show(source)} (${(err as Error).message})` });
  }
});

/** URL parsing silently drops newlines and tabs; a URL with white space is a mistake, so it is refused. */
const httpUrl = z.string()
  .regex(/^\S+$/, { error: (issue) => `expected a URL without spaces or line breaks, got ${show(issue.input)}` })
  .pipe(z.url({ protocol: /^https?$/, error: (issue) => `expected an http:// or https:// URL, got ${show(issue.input)}` }));

const checkCommon = {
  id,
  description: z.string().optional(),
  interval: duration.optional(),
  timeout: duration.optional(),
  retryInterval: duration.optional(),
  failureThreshold: positiveInt.optional(),
  successThreshold: positiveInt.optional(),
  labels: labels.optional(),
  regions: z.array(id).min(1).optional(),
};

const statusEntry = z.unknown().transform((value, ctx) => {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 599) return value;
  if (typeof value === 'string' && /^[1-5](xx|\d\d)$/.test(value)) return /^\d+$/.test(value) ? Number(value) : value;
  ctx.addIssue({ code: 'custom', message: `expected a status code like 200 or a class like "2xx", got ${show(value)}` });
  return z.NEVER;
});

const jsonPath = z.string().regex(/^\$(\.[A-Za-z_$][\w$-]*|\[\d+\])*$/, {
  error: (issue) => `expected a JSON path like "$.status" or "$.items[0].id", got ${show(issue.input)}`,
});

const httpCheck = z.strictObject({
  ...checkCommon,
  type: z.literal('http'),
  url: httpUrl,
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).optional(),
  headers: stringMap.optional(),
  body: z.string().optional(),
  expect: z.strictObject({
    status: z.array(statusEntry).min(1).optional(),
    maxResponseTime: duration.optional(),
    bodyContains: z.string().optional(),
    bodyMatches: pattern.optional(),
    json: z.record(jsonPath, z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
    certExpiresAfter: duration.optional(),
  }).optional(),
});

const tcpCheck = z.strictObject({
  ...checkCommon,
  type: z.literal('tcp'),
  host: z.string().min(1),
  port,
});

const dnsCheck = z.strictObject({
  ...checkCommon,
  type: z.literal('dns'),
  name: z.string().min(1),
  recordType: z.enum(['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SRV']).optional(),
  server: z.string().optional(),
  expect: z.array(z.string()).optional(),
});

export const CHECK_TYPES = ['http', 'tcp', 'dns'] as const;
const check = z.discriminatedUnion('type', [httpCheck, tcpCheck, dnsCheck], { error: () => `expected one of ${CHECK_TYPES.map((t) => `"${t}"`).join(', ')}` });

const watchEvent = z.enum(['add', 'change', 'unlink', 'addDir', 'unlinkDir']);
const watch = z.strictObject({
  id,
  paths: z.array(z.string().min(1)).min(1),
  recursive: z.boolean().optional(),
  include: z.array(z.string().min(1)).optional(),
  exclude: z.array(z.string().min(1)).optional(),
  match: pattern.optional(),
  threshold: z.strictObject({ count: positiveInt, within: duration }).optional(),
  on: z.array(watchEvent).min(1).optional(),
  maxAge: duration.optional(),
  labels: labels.optional(),
});

export const CHANNEL_TYPES = ['webhook'] as const;
const webhookChannel = z.strictObject({
  id,
  type: z.literal('webhook'),
  url: httpUrl,
  headers: stringMap.optional(),
  timeout: duration.optional(),
});
const channel = z.discriminatedUnion('type', [webhookChannel], { error: () => `expected one of ${CHANNEL_TYPES.map((t) => `"${t}"`).join(', ')}` });

const route = z.strictObject({
  match: labels.optional(),
  channels: z.array(id).min(1),
  groupBy: z.array(labelName).optional(),
  groupWait: duration.optional(),
  groupInterval: duration.optional(),
  repeatInterval: duration.optional(),
  sendResolved: z.boolean().optional(),
  continue: z.boolean().optional(),
});

export const rawConfigSchema = z.strictObject({
  defaults: z.strictObject({
    interval: duration.optional(),
    timeout: duration.optional(),
    retryInterval: duration.optional(),
    failureThreshold: positiveInt.optional(),
    successThreshold: positiveInt.optional(),
    regions: z.array(id).min(1).optional(),
  }).optional(),
  checks: z.array(check).optional(),
  watches: z.array(watch).optional(),
  channels: z.array(channel).optional(),
  routes: z.array(route).optional(),
});

export type RawConfig = z.output<typeof rawConfigSchema>;
export type RawCheck = z.output<typeof check>;
