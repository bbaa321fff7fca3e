import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { RE2JS } from 're2js';
import { z } from 'zod';
import { parseDuration } from './duration.js';
import type { Scalar, ValueMatcher } from './types.js';

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

/**
 * Why `source` is not an RE2 pattern, or undefined when it is one. Patterns from the
 * configuration run with RE2 (re2js, linear time), so no pattern or input can hang a worker;
 * the price is no lookaround and no backreferences.
 */
export function re2Problem(source: string): string | undefined {
  try {
    RE2JS.compile(source);
    return undefined;
  } catch (err) {
    const described = typeof (err as { getDescription?: unknown }).getDescription === 'function'
      ? (err as { getDescription(): string }).getDescription()
      : (err as Error).message;
    const unsupported = /\\(?:[1-9]|k<)|\(\?<?[=!]/.test(source) ? '; patterns use RE2 syntax, which has no lookahead, lookbehind or backreferences' : '';
    return `${described}${unsupported}`;
  }
}

const pattern = z.string().superRefine((source, ctx) => {
  const problem = re2Problem(source);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `expected a regular expression, got ${show(source)} (${problem})` });
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

/** A whole number from `min` to `max`; digits in a string are accepted (from `${VAR}`). */
function boundedInt(min: number, max: number, what: string) {
  return z.unknown().transform((value, ctx) => {
    const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
    if (typeof number === 'number' && Number.isInteger(number) && number >= min && number <= max) return number;
    ctx.addIssue({ code: 'custom', message: `expected ${what} from ${min} to ${max}, got ${show(value)}` });
    return z.NEVER;
  });
}

/** A number, or a numeric string (from `${VAR}`). */
const numeric = z.unknown().transform((value, ctx) => {
  const number = typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
  if (typeof number === 'number' && Number.isFinite(number)) return number;
  ctx.addIssue({ code: 'custom', message: `expected a number, got ${show(value)}` });
  return z.NEVER;
});

const SIZE_UNITS: Record<string, number> = { B: 1, KB: 1_000, KiB: 1_024, MB: 1_000_000, MiB: 1_048_576 };
export const MAX_BODY_BYTES_LIMIT = 64 * 1_048_576;
/** Bytes: a whole number, or "512KiB", "1MiB", "100KB". */
const byteSize = z.unknown().transform((value, ctx) => {
  let bytes: number | undefined;
  if (typeof value === 'number' && Number.isInteger(value)) bytes = value;
  const match = typeof value === 'string' ? /^\s*(\d+)\s*(B|KB|KiB|MB|MiB)?\s*$/.exec(value) : null;
  if (match) bytes = Number(match[1]) * SIZE_UNITS[match[2] ?? 'B']!;
  if (bytes !== undefined && bytes >= 1 && bytes <= MAX_BODY_BYTES_LIMIT) return bytes;
  ctx.addIssue({ code: 'custom', message: `expected a size like 65536 or "1MiB", from 1 byte to 64MiB, got ${show(value)}` });
  return z.NEVER;
});

const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?$/;
/** A DNS name or an IP address; never anything a command line could take for an option. */
const hostOrIp = z.string().refine((value) => isIP(value) !== 0 || HOST_NAME.test(value), {
  error: (issue) => `expected a host name or IP address like "db.internal" or "10.0.0.5", got ${show(issue.input)}`,
});
/** SNI cannot carry an IP address (RFC 6066), so a server name is a DNS name. */
const serverName = z.string().refine((value) => isIP(value) === 0 && HOST_NAME.test(value), {
  error: (issue) => `expected a host name like "shop.example.com", got ${show(issue.input)}`,
});

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
/**
 * Trusted CA certificates: PEM text (checked here) or the path of a PEM file, which the
 * probe-worker reads at each probe (relative paths are resolved against the configuration
 * file's directory in load.ts), so a worker host needs the file but the scheduler does not.
 */
const caCertificates = z.string().min(1).superRefine((value, ctx) => {
  if (!value.includes('-----BEGIN')) {
    if (/[\r\n]/.test(value)) ctx.addIssue({ code: 'custom', message: 'expected PEM text ("-----BEGIN CERTIFICATE-----...") or the path of a PEM file' });
    return;
  }
  const blocks = value.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'expected PEM certificates ("-----BEGIN CERTIFICATE-----...-----END CERTIFICATE-----")' });
    return;
  }
  blocks.forEach((block, index) => {
    try {
      new X509Certificate(block);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `certificate ${index + 1} of the PEM text cannot be read (${(err as Error).message})` });
    }
  });
});

const tlsClient = z.strictObject({
  verify: z.boolean().optional(),
  ca: caCertificates.optional(),
  serverName: serverName.optional(),
});

/** Header names are HTTP tokens; values cannot hold line breaks (a `${VAR}` with a newline would split the request). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const headerName = z.string().regex(HEADER_NAME, {
  error: (issue) => `expected a header name like "content-type", got ${show(issue.input)}`,
});
const requestHeaders = z.record(headerName, z.string().regex(/^[^\r\n\0]*$/, {
  error: (issue) => `expected a header value without line breaks, got ${show(issue.input)}`,
}));

const statusEntry = z.unknown().transform((value, ctx) => {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 599) return value;
  if (typeof value === 'string' && /^[1-5](xx|\d\d)$/.test(value)) return /^\d+$/.test(value) ? Number(value) : value;
  ctx.addIssue({ code: 'custom', message: `expected a status code like 200 or a class like "2xx", got ${show(value)}` });
  return z.NEVER;
});

const jsonPath = z.string().regex(/^\$(\.[A-Za-z_$][\w$-]*|\[\d+\])*$/, {
  error: (issue) => `expected a JSON path like "$.status" or "$.items[0].id", got ${show(issue.input)}`,
});

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export const MATCHER_OPERATORS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'contains', 'matches', 'exists'] as const;
/** Conditions on one value, ANDed: `{ gte: 1, lt: 10 }`. */
const matcherObject = z.strictObject({
  eq: scalar.optional(),
  ne: scalar.optional(),
  gt: numeric.optional(),
  gte: numeric.optional(),
  lt: numeric.optional(),
  lte: numeric.optional(),
  contains: scalar.optional(),
  matches: pattern.optional(),
  exists: z.boolean().optional(),
}).superRefine((conditions, ctx) => {
  const given = Object.keys(conditions).filter((key) => conditions[key as keyof typeof conditions] !== undefined);
  if (given.length === 0) ctx.addIssue({ code: 'custom', message: `expected at least one condition of: ${MATCHER_OPERATORS.join(', ')}` });
  if (conditions.exists === false && given.length > 1) ctx.addIssue({ code: 'custom', message: 'exists: false cannot be combined with other conditions' });
}, { when: (payload) => payload.issues.length === 0 });
/** The shorthand `"$.status": UP` is `{ eq: "UP" }`. */
const valueMatcher = z.union([z.string(), z.number(), z.boolean(), z.null(), matcherObject])
  .transform((value): ValueMatcher => isConditions(value) ? dropUndefined(value) : { eq: value as Scalar });

function isConditions(value: unknown): value is ValueMatcher {
  return value !== null && typeof value === 'object';
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Response headers to check, by name (matched case-insensitively, so kept lowercase). */
const expectedHeaders = z.record(headerName, valueMatcher).transform((headers, ctx) => {
  const lower: Record<string, ValueMatcher> = {};
  for (const [name, matcher] of Object.entries(headers)) {
    const key = name.toLowerCase();
    if (key in lower) ctx.addIssue({ code: 'custom', message: `header "${key}" is listed twice (names are case-insensitive)`, path: [name] });
    lower[key] = matcher;
  }
  return lower;
});

const httpCheck = z.strictObject({
  ...checkCommon,
  type: z.literal('http'),
  url: httpUrl,
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).optional(),
  headers: requestHeaders.optional(),
  body: z.string().optional(),
  followRedirects: boundedInt(0, 20, 'a number of redirects (0 = do not follow)').optional(),
  maxBodyBytes: byteSize.optional(),
  tls: tlsClient.optional(),
  expect: z.strictObject({
    status: z.array(statusEntry).min(1).optional(),
    maxResponseTime: duration.optional(),
    bodyContains: z.string().optional(),
    bodyMatches: pattern.optional(),
    json: z.record(jsonPath, valueMatcher).optional(),
    headers: expectedHeaders.optional(),
    certExpiresAfter: duration.optional(),
  }).optional(),
});

/**
 * What a TCP check sends or expects. YAML double-quoted strings already turn \r\n into the
 * characters; elsewhere \r, \n, \t, \0, \\ and \xHH (ASCII) are decoded here.
 */
const wireText = z.string().min(1).transform((text, ctx) => {
  let problem: string | undefined;
  const decoded = text.replace(/\\(x[0-9A-Fa-f]{2}|.|$)/gs, (whole, escape: string) => {
    const simple: Record<string, string> = { r: '\r', n: '\n', t: '\t', '0': '\0', '\\': '\\' };
    if (escape in simple) return simple[escape]!;
    if (escape.startsWith('x') && escape.length === 3) {
      const code = Number.parseInt(escape.slice(1), 16);
      if (code <= 0x7f) return String.fromCharCode(code);
    }
    problem ??= `unsupported escape ${JSON.stringify(whole)} (known: \\r \\n \\t \\0 \\\\ and \\x00 to \\x7f)`;
    return whole;
  });
  if (problem === undefined) return decoded;
  ctx.addIssue({ code: 'custom', message: problem });
  return z.NEVER;
});

const tcpCheck = z.strictObject({
  ...checkCommon,
  type: z.literal('tcp'),
  host: z.string().min(1),
  port,
  send: wireText.optional(),
  expect: wireText.optional(),
  tls: z.union([z.boolean(), tlsClient]).optional(),
});

/** "1.1.1.1", "127.0.0.1:5353", "::1" or "[::1]:5353": node's resolver takes addresses only. */
const resolverAddress = z.string().refine((value) => {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  const hostPort = /^([^:]+):(\d+)$/.exec(value);
  const [host, portText] = bracketed ? [bracketed[1]!, bracketed[2]] : hostPort ? [hostPort[1]!, hostPort[2]] : [value, undefined];
  const portOk = portText === undefined || (Number(portText) >= 1 && Number(portText) <= 65535);
  return isIP(host) !== 0 && portOk;
}, { error: (issue) => `expected a resolver IP address like "1.1.1.1", "127.0.0.1:5353" or "[::1]:53", got ${show(issue.input)}` });

export const DNS_RCODES = ['NOERROR', 'NXDOMAIN', 'SERVFAIL', 'REFUSED', 'NOTIMP', 'FORMERR'] as const;

const dnsCheck = z.strictObject({
  ...checkCommon,
  type: z.literal('dns'),
  name: z.string().min(1),
  recordType: z.enum(['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SRV']).optional(),
  server: resolverAddress.optional(),
  rcode: z.enum(DNS_RCODES).optional(),
  expect: z.array(z.string()).optional(),
});

const tlsCheck = z.strictObject({
  ...checkCommon,
  type: z.literal('tls'),
  host: z.string().min(1),
  port,
  serverName: serverName.optional(),
  verify: z.boolean().optional(),
  ca: caCertificates.optional(),
  expect: z.strictObject({
    certExpiresAfter: duration.optional(),
  }).optional(),
});

export const MAX_ICMP_COUNT = 20;
const icmpCheck = z.strictObject({
  ...checkCommon,
  type: z.literal('icmp'),
  host: hostOrIp,
  count: boundedInt(1, MAX_ICMP_COUNT, 'a number of echo requests').optional(),
  expect: z.strictObject({
    maxLossPercent: z.number().min(0).max(100).optional(),
    maxResponseTime: duration.optional(),
  }).optional(),
});

export const CHECK_TYPES = ['http', 'tcp', 'dns', 'tls', 'icmp'] as const;
const check = z.discriminatedUnion('type', [httpCheck, tcpCheck, dnsCheck, tlsCheck, icmpCheck], { error: () => `expected one of ${CHECK_TYPES.map((t) => `"${t}"`).join(', ')}` });

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
