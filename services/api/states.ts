import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { CheckConfig, WatchConfig } from '../../libs/config/index.js';
import { REDIS_KEYS } from '../../libs/redis-keys.js';

/**
 * What the API shows of the evaluator's state (REDIS_KEYS.checkState, .watchState): read as
 * plain JSON with only the fields shown here, so the evaluator's internals (rule memory,
 * flapping) stay its own and services do not import each other.
 */
export const SHOWN_STATUSES = ['up', 'pending', 'down', 'unknown', 'maintenance', 'paused'] as const;
export type ShownStatus = (typeof SHOWN_STATUSES)[number];

const storedCheckState = z.object({
  status: z.enum(SHOWN_STATUSES),
  lastMessage: z.string().optional(),
  failingSince: z.number().optional(),
  sinceMs: z.number().optional(),
  noData: z.unknown().optional(),
  maintenance: z.literal(true).optional(),
});

const storedTransition = z.object({ atMs: z.number(), to: z.string() });

export interface RegionState {
  region: string;
  status: ShownStatus;
  /** Epoch ms of the change into this status, when known. */
  sinceMs?: number;
  lastMessage?: string;
}

function parsed<S extends z.ZodType>(schema: S, text: string | null | undefined): z.output<S> | undefined {
  if (text === null || text === undefined) return undefined;
  try {
    const result = schema.safeParse(JSON.parse(text));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The evaluator's own precedence (services/evaluator/stored-state.ts shownStatus): paused,
 * then maintenance, then unknown while no results come (never shown as up), then the machine's.
 */
export function shownStatusOf(state: z.output<typeof storedCheckState> | undefined, paused: boolean): ShownStatus {
  if (paused) return 'paused';
  if (state === undefined) return 'unknown';
  if (state.maintenance) return 'maintenance';
  if (state.noData !== undefined) return 'unknown';
  return state.status;
}

/**
 * Each key's state (GET) and its history's newest entry (LINDEX 0), keys 1..n the states and
 * n+1..2n the histories: one command for any number of checks. A pipeline of 10,000 LINDEXes
 * costs the api more CPU in ioredis, per command, than Redis spends running this.
 */
const STATES_AND_NEWEST_LUA = `
local n = #KEYS / 2
local out = {}
for i = 1, n do
  out[i] = redis.call('GET', KEYS[i]) or false
  out[n + i] = redis.call('LINDEX', KEYS[n + i], 0) or false
end
return out`;

/** Per text, so the same state shown again is not parsed again; bounded, since texts change. */
const PARSED_CACHE_MAX = 50_000;
const parsedStates = new Map<string, z.output<typeof storedCheckState> | undefined>();
const parsedTransitions = new Map<string, z.output<typeof storedTransition> | undefined>();

function parsedCached<S extends z.ZodType>(cache: Map<string, z.output<S> | undefined>, schema: S, text: string | null | undefined): z.output<S> | undefined {
  if (text === null || text === undefined) return undefined;
  if (cache.has(text)) return cache.get(text);
  if (cache.size >= PARSED_CACHE_MAX) cache.clear();
  const value = parsed(schema, text);
  cache.set(text, value);
  return value;
}

/**
 * The state of every region of every check, in one round trip whatever the number of checks:
 * each subject's state and its newest transition (its since).
 */
export async function checkStates(redis: Redis, checks: readonly CheckConfig[]): Promise<Map<string, RegionState[]>> {
  const subjects = checks.flatMap((check) => check.regions.map((region) => ({ check, region, subject: `${check.id}@${region}` })));
  const byCheck = new Map<string, RegionState[]>(checks.map((check) => [check.id, []]));
  if (subjects.length === 0) return byCheck;
  const keys = [...subjects.map(({ subject }) => REDIS_KEYS.checkState(subject)), ...subjects.map(({ subject }) => REDIS_KEYS.stateHistory(subject))];
  const replies = (await redis.eval(STATES_AND_NEWEST_LUA, keys.length, ...keys)) as Array<string | null>;
  subjects.forEach(({ check, region }, index) => {
    const state = parsedCached(parsedStates, storedCheckState, replies[index]);
    const transition = parsedCached(parsedTransitions, storedTransition, replies[subjects.length + index]);
    const sinceMs = transition?.atMs ?? state?.failingSince ?? state?.sinceMs;
    byCheck.get(check.id)!.push({
      region,
      status: shownStatusOf(state, check.paused === true),
      ...(sinceMs === undefined ? {} : { sinceMs }),
      ...(state?.lastMessage === undefined ? {} : { lastMessage: state.lastMessage }),
    });
  });
  return byCheck;
}

const storedWatchState = z.object({
  seenUntilMs: z.number(),
  paths: z.record(z.string(), z.object({ alerts: z.record(z.string(), z.unknown()).optional() })),
});

export interface WatchSubjectState {
  host: string;
  /** Down while any of the watch's alerts fires on this host (services/evaluator/watches/watch-state.ts watchStatusOf). */
  status: 'up' | 'down' | 'unknown';
  seenUntilMs?: number;
  firing: Array<{ path: string; rule: string }>;
}

/** Each watch's hosts with their state: the subjects "watch:<watch>@<host>" the evaluator keeps. */
export async function watchStates(redis: Redis, watches: readonly WatchConfig[]): Promise<Map<string, WatchSubjectState[]>> {
  const byWatch = new Map<string, WatchSubjectState[]>(watches.map((watch) => [watch.id, []]));
  const subjects = (await redis.smembers(REDIS_KEYS.watchSubjects)).sort().flatMap((subject) => {
    const match = /^watch:([^@]+)@(.+)$/.exec(subject);
    return match && byWatch.has(match[1]!) ? [{ subject, watchId: match[1]!, host: match[2]! }] : [];
  });
  if (subjects.length === 0) return byWatch;
  const texts = await redis.mget(...subjects.map(({ subject }) => REDIS_KEYS.watchState(subject)));
  subjects.forEach(({ watchId, host }, index) => {
    const state = parsed(storedWatchState, texts[index]);
    const firing = Object.entries(state?.paths ?? {}).flatMap(([path, entry]) => Object.keys(entry.alerts ?? {}).map((rule) => ({ path, rule })));
    byWatch.get(watchId)!.push({
      host,
      status: state === undefined ? 'unknown' : firing.length > 0 ? 'down' : 'up',
      ...(state === undefined ? {} : { seenUntilMs: state.seenUntilMs }),
      firing,
    });
  });
  return byWatch;
}
