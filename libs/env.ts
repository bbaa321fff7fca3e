/**
 * Each service's environment, declared as one zod schema in its main.ts and validated before
 * anything starts, so a bad value stops the service with the variable's name and what was
 * expected (`PROBE_CONCURRENCY: expected a whole number >= 1, got "abc"`) instead of running
 * on NaN. Variables several services read are declared here once.
 */
import { z } from 'zod';
import { ID_PATTERN, ID_RULE, parseDuration } from './config/index.js';
import { DEFAULT_REDIS_URL } from './queues/connection.js';

/** One variable that is not what its service expects. */
export interface EnvProblem {
  variable: string;
  message: string;
}

/** Thrown by parseEnv; its message names every bad variable, one `NAME: problem` after the other. */
export class EnvError extends Error {
  override readonly name = 'EnvError';
  readonly code = 'VIGIL_ENV_INVALID';

  constructor(readonly problems: EnvProblem[]) {
    super(problems.map((problem) => `${problem.variable}: ${problem.message}`).join('; '));
  }
}

/**
 * The values of the variables `schema` declares (others are ignored). An empty variable
 * counts as unset (`FOO=` in a compose file or a shell), so it gets the default.
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = schema.safeParse(given);
  if (parsed.success) return parsed.data;
  throw new EnvError(parsed.error.issues.map((issue) => ({
    variable: String(issue.path[0] ?? '(environment)'),
    message: issue.code === 'invalid_type' && issue.input === undefined ? 'is not set' : issue.message,
  })));
}

/** A variable's value as the user wrote it, in a message. */
function shown(value: string): string {
  return JSON.stringify(value);
}

/** A field whose value must satisfy `accept`; `expected` is what the message says it should be. */
function variable<T>(expected: string, accept: (value: string) => T | undefined) {
  return z.string().transform((value, ctx) => {
    const accepted = accept(value);
    if (accepted !== undefined) return accepted;
    ctx.addIssue({ code: 'custom', message: `expected ${expected}, got ${shown(value)}` });
    return z.NEVER;
  });
}

/** A whole number, `min` or more (and `max` at most). */
export function wholeNumber(min: number, max?: number) {
  const expected = max === undefined ? `a whole number >= ${min}` : `a whole number from ${min} to ${max}`;
  return variable(expected, (value) => {
    const number = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
    return Number.isSafeInteger(number) && number >= min && (max === undefined || number <= max) ? number : undefined;
  });
}

/** One of `values`, exactly. */
export function oneOf<const V extends readonly [string, ...string[]]>(values: V) {
  return variable(`one of ${values.map(shown).join(', ')}`, (value) => values.find((candidate) => candidate === value));
}

/** A duration like "250ms" or "30s", in milliseconds. */
export function duration() {
  return variable('a duration like "250ms" or "30s"', (value) => parseDuration(value));
}

/** An http:// or https:// URL. */
export function httpUrl() {
  return variable('an http:// or https:// URL', (value) => {
    if (!URL.canParse(value) || /\s/.test(value)) return undefined;
    return ['http:', 'https:'].includes(new URL(value).protocol) ? value : undefined;
  });
}

/** Any text. */
export const text = () => z.string();

/** Where Redis is: every service. */
export const REDIS_ENV = {
  REDIS_URL: variable('a redis:// or rediss:// URL, or the path of a Unix socket', (value) => {
    if (value.startsWith('/')) return value;
    return URL.canParse(value) && ['redis:', 'rediss:'].includes(new URL(value).protocol) ? value : undefined;
  }).default(DEFAULT_REDIS_URL),
};

/**
 * The configuration file of the services that read one (libs/config-sync.ts and the watcher
 * find it with configPathFrom: `--config`, then this, then ./vigil.yaml).
 */
export const CONFIG_ENV = {
  VIGIL_CONFIG: text().optional(),
};

/** A region's name, as the configuration's `regions` write it (it also names the queue `probes-<region>`). */
export const region = () => variable(ID_RULE, (value) => (ID_PATTERN.test(value) ? value : undefined));
