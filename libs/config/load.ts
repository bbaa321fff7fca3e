import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { LineCounter, isNode, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { expandEnv } from './env.js';
import { closestKey, knownKeys } from './known-keys.js';
import { ConfigError, formatPath, parsePath, type ConfigProblem } from './errors.js';
import { rawConfigSchema, show, type RawCheck, type RawConfig } from './schema.js';
import type { CheckConfig, Config, RouteConfig, WatchConfig, ChannelConfig, TlsClientConfig } from './types.js';

export const DEFAULT_CONFIG_FILE = 'vigil.yaml';

const BUILTIN_DEFAULTS = {
  intervalMs: 30_000,
  timeoutMs: 5_000,
  failureThreshold: 3,
  successThreshold: 1,
  regions: ['default'],
};

/** Per-type defaults of check fields (README, configuration reference). */
export const CHECK_DEFAULTS = {
  followRedirects: 5,
  maxBodyBytes: 1024 * 1024,
  icmpCount: 3,
  /** iputils ping sends no faster than this without privileges; a probe needs count × this. */
  icmpIntervalMs: 200,
} as const;

/** Which file to load: `--config FILE`, then VIGIL_CONFIG, then ./vigil.yaml. */
export function configPathFrom(argv: string[], env: NodeJS.ProcessEnv): string {
  const flag = argv.indexOf('--config');
  const fromFlag = flag >= 0 ? argv[flag + 1] : undefined;
  return resolve(fromFlag ?? env.VIGIL_CONFIG ?? DEFAULT_CONFIG_FILE);
}

export function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, [{ path: '', message: `cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` }]);
  }
  return parseConfig(text, env, path);
}

/** Parses, expands, validates and defaults a configuration; throws ConfigError listing every problem. */
export function parseConfig(text: string, env: NodeJS.ProcessEnv = process.env, source = 'config'): Config {
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter: lines });
  if (doc.errors.length > 0) {
    throw new ConfigError(source, doc.errors.map((err) => ({
      path: '',
      message: `not valid YAML: ${err.message.split('\n')[0]}`,
      // linePos is only filled in with prettyErrors, which also rewrites the message; the offset is always there.
      line: lines.linePos(err.pos[0]).line,
    })));
  }
  const problems: ConfigProblem[] = [];
  const data = expandEnv(doc.toJS() ?? {}, env, problems);
  if (problems.length > 0) throw new ConfigError(source, withLines(doc, lines, problems));

  const parsed = rawConfigSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) throw new ConfigError(source, withLines(doc, lines, parsed.error.issues.flatMap((issue) => describeIssue(issue, data))));

  // Relative CA file paths are resolved against the configuration file's directory.
  const config = applyDefaults(parsed.data, dirname(resolve(source)));
  const crossProblems = crossCheck(config);
  if (crossProblems.length > 0) throw new ConfigError(source, withLines(doc, lines, crossProblems));
  return config;
}

function withLines(doc: Document, lines: LineCounter, problems: ConfigProblem[]): ConfigProblem[] {
  return problems.map((problem) => {
    if (problem.line !== undefined) return problem;
    const offset = nodeOffset(doc, parsePath(problem.path));
    return offset === undefined ? problem : { ...problem, line: lines.linePos(offset).line };
  });
}

/**
 * Where the node at `segments` starts. A missing key ("url is required") or a defaulted value
 * has no node of its own, so the nearest enclosing node that exists (the check) gives the line.
 */
function nodeOffset(doc: Document, segments: Array<string | number>): number | undefined {
  for (let depth = segments.length; depth >= 0; depth -= 1) {
    const node = depth === 0 ? doc.contents : doc.getIn(segments.slice(0, depth), true);
    if (isNode(node) && node.range) return node.range[0];
  }
  return undefined;
}

type Issue = z.core.$ZodIssue & { input?: unknown };

function describeIssue(issue: Issue, data: unknown): ConfigProblem[] {
  const path = formatPath(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeys(rawConfigSchema, issue.path, data);
      return issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: unknownKeyMessage(key, known) }));
    }
    case 'invalid_type':
      if (issue.input === undefined) return [{ path, message: `is required (expected ${article(issue.expected)})` }];
      return [{ path, message: `expected ${article(issue.expected)}, got ${show(issue.input)}` }];
    case 'invalid_value':
      return [{ path, message: `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${show(issue.input)}` }];
    case 'invalid_union':
      if ('discriminator' in issue && typeof issue.discriminator === 'string') {
        const given = issue.input !== null && typeof issue.input === 'object' ? (issue.input as Record<string, unknown>)[issue.discriminator] : issue.input;
        return [{ path, message: `${issue.message}, got ${show(given)}` }];
      }
      return describeUnionBranch(issue, data) ?? [{ path, message: describeUnion(issue) }];
    case 'invalid_key':
      return [{ path, message: issue.issues[0]?.message ?? issue.message }];
    case 'too_small':
      if (issue.origin === 'array') return [{ path, message: `expected at least ${issue.minimum} ${issue.minimum === 1 ? 'entry' : 'entries'}` }];
      if (issue.origin === 'string') return [{ path, message: 'expected a non-empty string' }];
      return [{ path, message: `expected ${issue.origin === 'int' ? 'a whole number' : 'a number'} of at least ${issue.minimum}, got ${show(issue.input)}` }];
    case 'too_big':
      return [{ path, message: `expected a number of at most ${issue.maximum}, got ${show(issue.input)}` }];
    default:
      return [{ path, message: issue.message }];
  }
}

/** Names the key a typo was probably meant to be, or else every key that fits there. */
function unknownKeyMessage(key: string, known: string[]): string {
  const guess = closestKey(key, known);
  if (guess !== undefined) return `unknown key, did you mean "${guess}"?`;
  return known.length > 0 ? `unknown key, expected one of: ${known.join(', ')}` : 'unknown key';
}

function article(expected: string): string {
  const names: Record<string, string> = {
    string: 'a string', number: 'a number', int: 'a whole number', boolean: 'true or false',
    object: 'a mapping', array: 'a list', record: 'a mapping', null: 'null',
  };
  return names[expected] ?? expected;
}

/**
 * A union whose input had the right type for exactly one branch (a mapping where a boolean or
 * a mapping is allowed, like a TCP check's `tls`) fails with that branch's own problems.
 */
function describeUnionBranch(issue: Extract<Issue, { code: 'invalid_union' }>, data: unknown): ConfigProblem[] | undefined {
  const typed = issue.errors.filter((branch) => !(branch.length === 1 && branch[0]?.code === 'invalid_type' && branch[0].path.length === 0));
  if (typed.length !== 1) return undefined;
  return typed[0]!.flatMap((inner) => describeIssue({ ...inner, path: [...issue.path, ...inner.path] } as Issue, data));
}

/** A union of scalar types (label values, JSON expectations) fails as "expected a string, a number or true or false". */
function describeUnion(issue: Extract<Issue, { code: 'invalid_union' }>): string {
  const expected = issue.errors.map((branch) => {
    const only = branch.length === 1 ? branch[0] : undefined;
    return only?.code === 'invalid_type' && only.path.length === 0 ? article(only.expected) : undefined;
  });
  if (expected.length === 0 || expected.some((name) => name === undefined)) return issue.message;
  const names = expected as string[];
  const list = names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} or ${names.at(-1)!}`;
  return `expected ${list}, got ${show(issue.input)}`;
}

function applyDefaults(raw: RawConfig, baseDir: string): Config {
  const defaults = {
    intervalMs: raw.defaults?.interval ?? BUILTIN_DEFAULTS.intervalMs,
    timeoutMs: raw.defaults?.timeout ?? BUILTIN_DEFAULTS.timeoutMs,
    retryIntervalMs: raw.defaults?.retryInterval,
    failureThreshold: raw.defaults?.failureThreshold ?? BUILTIN_DEFAULTS.failureThreshold,
    successThreshold: raw.defaults?.successThreshold ?? BUILTIN_DEFAULTS.successThreshold,
    regions: raw.defaults?.regions ?? BUILTIN_DEFAULTS.regions,
  };
  return {
    checks: (raw.checks ?? []).map((check) => checkWithDefaults(check, defaults, baseDir)),
    watches: (raw.watches ?? []).map(watchWithDefaults),
    channels: (raw.channels ?? []).map(channelWithDefaults),
    routes: (raw.routes ?? []).map(routeWithDefaults),
  };
}

type Defaults = Omit<CheckConfig, 'id' | 'type' | 'labels' | 'description'>;

function checkWithDefaults(check: RawCheck, defaults: Defaults, baseDir: string): CheckConfig {
  const common = {
    id: check.id,
    ...(check.description === undefined ? {} : { description: check.description }),
    intervalMs: check.interval ?? defaults.intervalMs,
    timeoutMs: check.timeout ?? defaults.timeoutMs,
    ...optional('retryIntervalMs', check.retryInterval ?? defaults.retryIntervalMs),
    failureThreshold: check.failureThreshold ?? defaults.failureThreshold,
    successThreshold: check.successThreshold ?? defaults.successThreshold,
    labels: check.labels ?? {},
    regions: check.regions ?? defaults.regions,
  };
  const caOf = (ca: string | undefined) => ca === undefined || ca.includes('-----BEGIN') || isAbsolute(ca) ? ca : resolve(baseDir, ca);
  const tlsOf = (tls: { verify?: boolean | undefined; ca?: string | undefined; serverName?: string | undefined } | undefined): TlsClientConfig => ({
    verify: tls?.verify ?? true,
    ...optional('ca', caOf(tls?.ca)),
    ...optional('serverName', tls?.serverName),
  });
  switch (check.type) {
    case 'http': {
      const expect = check.expect ?? {};
      return {
        ...common,
        type: 'http',
        url: check.url,
        method: check.method ?? 'GET',
        headers: check.headers ?? {},
        ...optional('body', check.body),
        followRedirects: check.followRedirects ?? CHECK_DEFAULTS.followRedirects,
        maxBodyBytes: check.maxBodyBytes ?? CHECK_DEFAULTS.maxBodyBytes,
        tls: tlsOf(check.tls),
        expect: {
          status: expect.status ?? ['2xx'],
          ...optional('maxResponseTimeMs', expect.maxResponseTime),
          ...optional('bodyContains', expect.bodyContains),
          ...optional('bodyMatches', expect.bodyMatches),
          ...optional('json', expect.json),
          ...optional('headers', expect.headers),
          ...optional('certExpiresAfterMs', expect.certExpiresAfter),
        },
      };
    }
    case 'tcp':
      return {
        ...common,
        type: 'tcp',
        host: check.host,
        port: check.port,
        ...optional('send', check.send),
        ...optional('expect', check.expect),
        ...optional('tls', check.tls === undefined || check.tls === false ? undefined : tlsOf(check.tls === true ? {} : check.tls)),
      };
    case 'dns':
      return {
        ...common,
        type: 'dns',
        name: check.name,
        recordType: check.recordType ?? 'A',
        ...optional('server', check.server),
        rcode: check.rcode ?? 'NOERROR',
        expect: check.expect ?? [],
      };
    case 'tls':
      return {
        ...common,
        type: 'tls',
        host: check.host,
        port: check.port,
        ...optional('serverName', check.serverName),
        verify: check.verify ?? true,
        ...optional('ca', caOf(check.ca)),
        expect: { ...optional('certExpiresAfterMs', check.expect?.certExpiresAfter) },
      };
    case 'icmp':
      return {
        ...common,
        type: 'icmp',
        host: check.host,
        count: check.count ?? CHECK_DEFAULTS.icmpCount,
        expect: {
          ...optional('maxLossPercent', check.expect?.maxLossPercent),
          ...optional('maxResponseTimeMs', check.expect?.maxResponseTime),
        },
      };
  }
}

function watchWithDefaults(watch: NonNullable<RawConfig['watches']>[number]): WatchConfig {
  const watchesContent = watch.match !== undefined || watch.maxAge !== undefined;
  return {
    id: watch.id,
    paths: watch.paths,
    recursive: watch.recursive ?? false,
    include: watch.include ?? [],
    exclude: watch.exclude ?? [],
    ...optional('match', watch.match),
    threshold: watch.threshold ? { count: watch.threshold.count, withinMs: watch.threshold.within } : { count: 1, withinMs: 60_000 },
    on: watch.on ?? (watchesContent ? [] : ['add', 'change', 'unlink']),
    ...optional('maxAgeMs', watch.maxAge),
    labels: watch.labels ?? {},
  };
}

function channelWithDefaults(channel: NonNullable<RawConfig['channels']>[number]): ChannelConfig {
  return { id: channel.id, type: channel.type, url: channel.url, headers: channel.headers ?? {}, timeoutMs: channel.timeout ?? 10_000 };
}

function routeWithDefaults(route: NonNullable<RawConfig['routes']>[number]): RouteConfig {
  return {
    match: route.match ?? {},
    channels: route.channels,
    groupBy: route.groupBy ?? ['check'],
    groupWaitMs: route.groupWait ?? 30_000,
    groupIntervalMs: route.groupInterval ?? 300_000,
    repeatIntervalMs: route.repeatInterval ?? 4 * 3_600_000,
    sendResolved: route.sendResolved ?? true,
    continue: route.continue ?? false,
  };
}

/** Rules between fields of one check that the schema cannot express field by field. */
function checkTypeProblems(check: CheckConfig, at: string): ConfigProblem[] {
  switch (check.type) {
    case 'http':
      if (check.expect.certExpiresAfterMs !== undefined && check.url.startsWith('http:') && check.followRedirects === 0) {
        return [{ path: `${at}.expect.certExpiresAfter`, message: 'needs an https:// URL (or redirects to one): this check never sees a certificate' }];
      }
      return [];
    case 'dns':
      if (check.rcode !== 'NOERROR' && check.expect.length > 0) {
        return [{ path: `${at}.expect`, message: `answers cannot be expected together with rcode ${check.rcode} (only NOERROR carries answers)` }];
      }
      return [];
    case 'icmp': {
      const neededMs = check.count * CHECK_DEFAULTS.icmpIntervalMs;
      if (neededMs >= check.timeoutMs) {
        return [{ path: `${at}.count`, message: `${check.count} echo requests, ${CHECK_DEFAULTS.icmpIntervalMs}ms apart, need a timeout longer than ${neededMs}ms (timeout is ${check.timeoutMs}ms)` }];
      }
      return [];
    }
    case 'tcp':
    case 'tls':
      return [];
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Rules that span fields or sections, checked once every field is known to be well formed. */
function crossCheck(config: Config): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const section of ['checks', 'watches', 'channels'] as const) {
    const seen = new Map<string, number>();
    config[section].forEach((item, index) => {
      const first = seen.get(item.id);
      if (first !== undefined) problems.push({ path: `${section}[${index}].id`, message: `duplicate id ${show(item.id)} (already used by ${section}[${first}])` });
      else seen.set(item.id, index);
    });
  }
  config.checks.forEach((check, index) => {
    if (check.timeoutMs >= check.intervalMs) {
      problems.push({ path: `checks[${index}].timeout`, message: `must be shorter than the interval (${check.timeoutMs}ms >= ${check.intervalMs}ms)` });
    }
    if (check.retryIntervalMs !== undefined && check.retryIntervalMs > check.intervalMs) {
      problems.push({ path: `checks[${index}].retryInterval`, message: `must not be longer than the interval (${check.retryIntervalMs}ms > ${check.intervalMs}ms)` });
    }
    problems.push(...checkTypeProblems(check, `checks[${index}]`));
  });
  const channelIds = new Set(config.channels.map((channel) => channel.id));
  config.routes.forEach((route, index) => {
    route.channels.forEach((channelId, position) => {
      if (!channelIds.has(channelId)) {
        problems.push({ path: `routes[${index}].channels[${position}]`, message: `no channel has the id ${show(channelId)} (defined: ${[...channelIds].join(', ') || 'none'})` });
      }
    });
  });
  return problems;
}
