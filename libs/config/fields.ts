/**
 * Field schemas shared by the sections of the configuration: each validates one value as the
 * YAML file spells it and says what was expected, with the value the user wrote.
 */
import { isIP } from 'node:net';
import { RE2JS } from 're2js';
import { z } from 'zod';
import { parseDuration } from './duration.js';

/** Shows a user's value in an error message the way they wrote it. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'a list' : 'a mapping';
}

/** "30s" in, milliseconds out. */
export const duration = z.unknown().transform((value, ctx) => {
  const ms = typeof value === 'string' ? parseDuration(value) : undefined;
  if (ms !== undefined) return ms;
  ctx.addIssue({ code: 'custom', message: `expected a duration like "30s", got ${show(value)}` });
  return z.NEVER;
});

export const positiveInt = z.number().int().min(1);

/** A whole number from `min` to `max`; digits in a string are accepted (from `${VAR}`). */
export function boundedInt(min: number, max: number, what: string) {
  return z.unknown().transform((value, ctx) => {
    const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
    if (typeof number === 'number' && Number.isInteger(number) && number >= min && number <= max) return number;
    ctx.addIssue({ code: 'custom', message: `expected ${what} from ${min} to ${max}, got ${show(value)}` });
    return z.NEVER;
  });
}

/** Also accepts digits in a string, since `${PORT}` from the environment expands to text. */
export const port = boundedInt(1, 65535, 'a port number');

/** A number, or a numeric string (from `${VAR}`). */
export const numeric = z.unknown().transform((value, ctx) => {
  const number = typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
  if (typeof number === 'number' && Number.isFinite(number)) return number;
  ctx.addIssue({ code: 'custom', message: `expected a number, got ${show(value)}` });
  return z.NEVER;
});

const SIZE_UNITS: Record<string, number> = { B: 1, KB: 1_000, KiB: 1_024, MB: 1_000_000, MiB: 1_048_576 };
export const MAX_BODY_BYTES_LIMIT = 64 * 1_048_576;
/** Bytes: a whole number, or "512KiB", "1MiB", "100KB". */
export const byteSize = z.unknown().transform((value, ctx) => {
  let bytes: number | undefined;
  if (typeof value === 'number' && Number.isInteger(value)) bytes = value;
  const match = typeof value === 'string' ? /^\s*(\d+)\s*(B|KB|KiB|MB|MiB)?\s*$/.exec(value) : null;
  if (match) bytes = Number(match[1]) * SIZE_UNITS[match[2] ?? 'B']!;
  if (bytes !== undefined && bytes >= 1 && bytes <= MAX_BODY_BYTES_LIMIT) return bytes;
  ctx.addIssue({ code: 'custom', message: `expected a size like 65536 or "1MiB", from 1 byte to 64MiB, got ${show(value)}` });
  return z.NEVER;
});

const FILE_SIZE_UNITS: Record<string, number> = { ...SIZE_UNITS, GB: 1e9, GiB: 2 ** 30, TB: 1e12, TiB: 2 ** 40 };
/** Bytes of a file on disk: a whole number, or "500MB", "2GiB", "1TB". */
export const fileSize = z.unknown().transform((value, ctx) => {
  let bytes: number | undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value)) bytes = value;
  const match = typeof value === 'string' ? /^\s*(\d+)\s*(B|KB|KiB|MB|MiB|GB|GiB|TB|TiB)?\s*$/.exec(value) : null;
  if (match) bytes = Number(match[1]) * FILE_SIZE_UNITS[match[2] ?? 'B']!;
  if (bytes !== undefined && bytes >= 1 && Number.isSafeInteger(bytes)) return bytes;
  ctx.addIssue({ code: 'custom', message: `expected a file size like 1048576, "500MB" or "2GiB", at least 1 byte, got ${show(value)}` });
  return z.NEVER;
});

/** Ids of checks, watches, channels and regions (a region also names a queue, `probes-<region>`). */
export const ID_PATTERN = /^[a-z0-9][a-z0-9_.-]*$/;
export const ID_RULE = 'an id of lowercase letters, digits, "_", "." or "-" (starting with a letter or digit)';
export const id = z.string().regex(ID_PATTERN, { error: (issue) => `expected ${ID_RULE}, got ${show(issue.input)}` });

export const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, {
  error: (issue) => `expected a label name like "team", got ${show(issue.input)}`,
});
export const labels = z.record(labelName, z.union([z.string(), z.number(), z.boolean()]).transform(String));
export const stringMap = z.record(z.string(), z.string());

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

export const pattern = z.string().superRefine((source, ctx) => {
  const problem = re2Problem(source);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `expected a regular expression, got ${show(source)} (${problem})` });
});

/** URL parsing silently drops newlines and tabs; a URL with white space is a mistake, so it is refused. */
export const httpUrl = z.string()
  .regex(/^\S+$/, { error: (issue) => `expected a URL without spaces or line breaks, got ${show(issue.input)}` })
  .pipe(z.url({ protocol: /^https?$/, error: (issue) => `expected an http:// or https:// URL, got ${show(issue.input)}` }));

const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?$/;
/** A DNS name or an IP address; never anything a command line could take for an option. */
export const hostOrIp = z.string().refine((value) => isIP(value) !== 0 || HOST_NAME.test(value), {
  error: (issue) => `expected a host name or IP address like "db.internal" or "10.0.0.5", got ${show(issue.input)}`,
});
/** SNI cannot carry an IP address (RFC 6066), so a server name is a DNS name. */
export const serverName = z.string().refine((value) => isIP(value) === 0 && HOST_NAME.test(value), {
  error: (issue) => `expected a host name like "shop.example.com", got ${show(issue.input)}`,
});

/** Header names are HTTP tokens; values cannot hold line breaks (a `${VAR}` with a newline would split the request). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
export const headerName = z.string().regex(HEADER_NAME, {
  error: (issue) => `expected a header name like "content-type", got ${show(issue.input)}`,
});
export const requestHeaders = z.record(headerName, z.string().regex(/^[^\r\n\0]*$/, {
  error: (issue) => `expected a header value without line breaks, got ${show(issue.input)}`,
}));

/** `T` with each key in `K` renamed `<key>Ms`. */
export type InMs<T, K extends PropertyKey> = { [P in keyof T as P extends K ? `${P & string}Ms` : P]: T[P] };

/**
 * The parsed mapping with each duration key renamed `<key>Ms` ("interval" → "intervalMs"):
 * the file writes "30s", services work in milliseconds. Keys left undefined are dropped, so
 * an absent value is absent, never present as undefined.
 */
export function inMs<S extends z.ZodType<object>, const K extends keyof z.output<S> & string>(schema: S, keys: readonly K[]) {
  const renamed = new Set<string>(keys);
  return schema.transform((value) => {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) out[renamed.has(key) ? `${key}Ms` : key] = item;
    }
    return out as InMs<z.output<S>, K>;
  });
}

/** `true` when A and B are the same set of values, for compile-time checks that two lists agree. */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
