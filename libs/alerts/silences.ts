import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { REDIS_KEYS } from '../redis-keys.js';
import { formatMatcher, matchesAll, matcherMatches, MatcherSyntaxError, parseMatcher, type LabelMatcher } from './matchers.js';

/**
 * Silences, as in Alertmanager: label matchers that mute the notifications of every alert
 * they match, from startsAt until endsAt. The alerts keep firing and keep their state; only
 * what people are told changes. The notifier asks `activeSilences` + `silencesMuting` at
 * notification time; the CLI and the API create, list and expire them.
 *
 * Stored as JSON in the hash REDIS_KEYS.silences (id → Silence). An expired silence is kept
 * (so people can see what was muted and by whom) for SILENCE_RETENTION_MS after it ended.
 */
export interface Silence {
  /** 128 random bits, hex. */
  id: string;
  /** All must match for the silence to mute an alert. */
  matchers: LabelMatcher[];
  /** ISO 8601. */
  startsAt: string;
  /** ISO 8601; expiring a silence sets it to the time it was expired. */
  endsAt: string;
  createdBy: string;
  comment: string;
  /** ISO 8601. */
  createdAt: string;
  /** True: only firing notifications are muted, people still hear when the alert resolves. */
  notifyResolved: boolean;
  /** ISO 8601: when it was last changed (expired), if ever. */
  updatedAt?: string;
}

export type SilenceStatus = 'pending' | 'active' | 'expired';

export interface SilenceInput {
  matchers: LabelMatcher[];
  /** Default: now. A start in the past is taken as now: a silence cannot mute what was already sent. */
  startsAt?: Date;
  /** Exactly one of endsAt and durationMs. */
  endsAt?: Date;
  /** From startsAt. */
  durationMs?: number;
  createdBy: string;
  comment: string;
  notifyResolved?: boolean;
}

export type SilenceErrorCode = 'VIGIL_SILENCE_INVALID' | 'VIGIL_SILENCE_NOT_FOUND' | 'VIGIL_SILENCE_EXPIRED';

/** A silence that cannot be created or changed; `code` is stable, the message is for people. */
export class SilenceError extends Error {
  override readonly name = 'SilenceError';

  constructor(readonly code: SilenceErrorCode, message: string) {
    super(message);
  }
}

/** Expired silences stay listable this long after they ended, then listing deletes them. */
export const SILENCE_RETENTION_MS = 5 * 24 * 3_600_000;

/** Bounds on what a silence may hold, so one entry cannot grow the hash or the notifier's work without limit. */
export const SILENCE_LIMITS = { matchers: 32, matcherValue: 1_024, createdBy: 256, comment: 4_096 } as const;

/** A silence as stored; the API shows it with its status (services/api/routes/silences.ts). */
export const storedSilence = z.object({
  id: z.string(),
  matchers: z.array(z.object({ name: z.string(), operator: z.enum(['=', '!=', '=~', '!~']), value: z.string() })),
  startsAt: z.string(),
  endsAt: z.string(),
  createdBy: z.string(),
  comment: z.string(),
  createdAt: z.string(),
  notifyResolved: z.boolean(),
  updatedAt: z.string().optional(),
});

/** Validates the input and stores a new silence. Throws SilenceError when it is not acceptable. */
export async function createSilence(redis: Redis, input: SilenceInput, now = new Date()): Promise<Silence> {
  const silence = newSilence(input, now);
  await redis.hset(REDIS_KEYS.silences, silence.id, JSON.stringify(silence));
  return silence;
}

/**
 * Ends a silence now. It is kept, expired, so the history shows it; a pending one gets
 * startsAt = endsAt = now, so it never was in effect. Throws SilenceError (NOT_FOUND, EXPIRED).
 */
export async function expireSilence(redis: Redis, id: string, now = new Date()): Promise<Silence> {
  const silence = parseSilence(await redis.hget(REDIS_KEYS.silences, id));
  if (!silence) throw new SilenceError('VIGIL_SILENCE_NOT_FOUND', `no silence has the id "${id}"`);
  const status = silenceStatus(silence, now);
  if (status === 'expired') throw new SilenceError('VIGIL_SILENCE_EXPIRED', `silence "${id}" has already expired (at ${silence.endsAt})`);
  const at = now.toISOString();
  const expired: Silence = { ...silence, ...(status === 'pending' ? { startsAt: at } : {}), endsAt: at, updatedAt: at };
  await redis.hset(REDIS_KEYS.silences, id, JSON.stringify(expired));
  return expired;
}

/**
 * Active silences (soonest to end first), then pending ones (soonest to start first), then,
 * with includeExpired, expired ones (most recently ended first). Deletes expired silences
 * past SILENCE_RETENTION_MS.
 */
export async function listSilences(redis: Redis, options: { includeExpired?: boolean } = {}, now = new Date()): Promise<Silence[]> {
  const silences = await readSilences(redis);
  const outdated = silences.filter((silence) => Date.parse(silence.endsAt) + SILENCE_RETENTION_MS <= now.getTime());
  if (outdated.length > 0) await redis.hdel(REDIS_KEYS.silences, ...outdated.map((silence) => silence.id));
  const kept = silences.filter((silence) => !outdated.includes(silence));
  const shown = options.includeExpired ? kept : kept.filter((silence) => silenceStatus(silence, now) !== 'expired');
  return shown.sort((a, b) => compareForListing(a, b, now));
}

/** The silences in effect now: what the notifier checks each alert against. */
export async function activeSilences(redis: Redis, now = new Date()): Promise<Silence[]> {
  return (await readSilences(redis)).filter((silence) => silenceStatus(silence, now) === 'active');
}

/** Pending before startsAt, active from startsAt until endsAt, expired from endsAt on. */
export function silenceStatus(silence: Pick<Silence, 'startsAt' | 'endsAt'>, now: Date): SilenceStatus {
  const at = now.getTime();
  if (at < Date.parse(silence.startsAt)) return 'pending';
  if (at < Date.parse(silence.endsAt)) return 'active';
  return 'expired';
}

/** The silences among `silences` that mute an alert with these labels now. */
export function silencesMuting(silences: readonly Silence[], labels: Readonly<Record<string, string>>, now: Date): Silence[] {
  return silences.filter((silence) => silenceStatus(silence, now) === 'active' && matchesAll(silence.matchers, labels));
}

function newSilence(input: SilenceInput, now: Date): Silence {
  const matchers = validMatchers(input.matchers);
  const createdBy = boundedText('createdBy', input.createdBy, SILENCE_LIMITS.createdBy);
  const comment = boundedText('comment', input.comment, SILENCE_LIMITS.comment);
  const { startsAt, endsAt } = validPeriod(input, now);
  return {
    id: randomBytes(16).toString('hex'),
    matchers, startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString(), createdBy, comment,
    createdAt: now.toISOString(), notifyResolved: input.notifyResolved ?? false,
  };
}

function validMatchers(matchers: readonly LabelMatcher[]): LabelMatcher[] {
  if (matchers.length === 0) invalid('a silence needs at least one matcher');
  if (matchers.length > SILENCE_LIMITS.matchers) invalid(`a silence takes at most ${SILENCE_LIMITS.matchers} matchers, got ${matchers.length}`);
  const checked = matchers.map(validMatcher);
  // As in Alertmanager: matchers that all match "" would match alerts lacking those labels, so every alert.
  if (checked.every((matcher) => matcherMatches(matcher, {}))) {
    invalid('a silence needs at least one matcher that does not match the empty string (it would mute every alert)');
  }
  return checked;
}

/** Matchers from the API arrive as objects: round-trip them through the parser so they meet its rules (name syntax, RE2). */
function validMatcher(matcher: LabelMatcher): LabelMatcher {
  if (matcher.value.length > SILENCE_LIMITS.matcherValue) invalid(`a matcher value holds at most ${SILENCE_LIMITS.matcherValue} characters (matcher "${matcher.name}")`);
  try {
    return parseMatcher(formatMatcher(matcher));
  } catch (err) {
    if (err instanceof MatcherSyntaxError) invalid(err.message);
    throw err;
  }
}

function validPeriod(input: SilenceInput, now: Date): { startsAt: Date; endsAt: Date } {
  if ((input.endsAt === undefined) === (input.durationMs === undefined)) invalid('a silence needs exactly one of endsAt and durationMs');
  const requestedStart = input.startsAt ?? now;
  if (Number.isNaN(requestedStart.getTime())) invalid('startsAt is not a valid time');
  if (input.durationMs !== undefined && !(Number.isFinite(input.durationMs) && input.durationMs > 0)) invalid(`durationMs must be a positive number, got ${input.durationMs}`);
  const endsAt = input.endsAt ?? new Date(requestedStart.getTime() + input.durationMs!);
  if (Number.isNaN(endsAt.getTime())) invalid('endsAt is not a valid time');
  if (endsAt.getTime() <= requestedStart.getTime()) invalid(`endsAt (${endsAt.toISOString()}) must be after startsAt (${requestedStart.toISOString()})`);
  if (endsAt.getTime() <= now.getTime()) invalid(`endsAt (${endsAt.toISOString()}) is not in the future`);
  const startsAt = requestedStart.getTime() < now.getTime() ? now : requestedStart;
  return { startsAt, endsAt };
}

function boundedText(field: string, text: string, maxLength: number): string {
  const trimmed = text.trim();
  if (trimmed === '') invalid(`${field} must not be empty`);
  if (trimmed.length > maxLength) invalid(`${field} holds at most ${maxLength} characters, got ${trimmed.length}`);
  return trimmed;
}

function invalid(message: string): never {
  throw new SilenceError('VIGIL_SILENCE_INVALID', message);
}

async function readSilences(redis: Redis): Promise<Silence[]> {
  const texts = Object.values(await redis.hgetall(REDIS_KEYS.silences));
  return texts.map(parseSilence).filter((silence) => silence !== undefined);
}

/** An entry that does not read as a silence is ignored: muting too little is safer than muting by accident. */
function parseSilence(text: string | null): Silence | undefined {
  if (text === null) return undefined;
  try {
    const parsed = storedSilence.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

const STATUS_ORDER: Record<SilenceStatus, number> = { active: 0, pending: 1, expired: 2 };

function compareForListing(a: Silence, b: Silence, now: Date): number {
  const status = silenceStatus(a, now);
  const byStatus = STATUS_ORDER[status] - STATUS_ORDER[silenceStatus(b, now)];
  if (byStatus !== 0) return byStatus;
  const byTime = status === 'active' ? a.endsAt.localeCompare(b.endsAt)
    : status === 'pending' ? a.startsAt.localeCompare(b.startsAt)
      : b.endsAt.localeCompare(a.endsAt);
  return byTime || a.id.localeCompare(b.id);
}
