import { randomBytes } from 'node:crypto';
import { Cron } from 'croner';
import type { Redis } from 'ioredis';
import { formatDuration } from '../config/duration.js';
import { REDIS_KEYS } from '../redis-keys.js';
import { formatMatcher, matchesAll, parseMatcher, type LabelMatcher } from './matchers.js';

/**
 * Maintenance windows: planned work during which the checks a window covers are shown as
 * `maintenance` and their notifications are held. The notifier's sweeper calls
 * syncMaintenanceSet to keep REDIS_KEYS.maintenance (read by the evaluator) in line with the
 * windows, and alertInMaintenance before it sends anything.
 *
 * Times are computed here, never stored: a window is its schedule, so a changed clock or a
 * restarted sweeper always reaches the same answer. Everything but the store functions is pure
 * and takes `now`.
 *
 * Daylight saving time (recurring windows follow croner's fixed-time rule, which Vigil
 * extends to lists and ranges of times; durations are elapsed time):
 * - a start inside the spring-forward gap (02:30 in Europe/Berlin on 2026-03-29) starts at the
 *   first valid time after the gap (03:00 CEST) and lasts its full duration from there;
 * - a start that occurs twice on the fall-back day (02:30 in Europe/Berlin on 2026-10-25,
 *   01:30 in America/New_York on 2026-11-01) starts once, at the first occurrence (summer
 *   time); the second pass through that wall-clock time does not start it again;
 * - a window spanning a transition lasts `durationMs` of real time, so a 2h window from 01:30
 *   CEST on the fall-back day ends at 02:30 CET by the wall clock.
 * Patterns with a wildcard or step in their time fields (`*\/30 2 * * *`) are interval jobs:
 * they start at both passes through a repeated hour, and not at all in an hour that is skipped.
 */

export type MaintenanceSchedule =
  | { kind: 'once'; startsAt: string; endsAt: string }
  | {
    kind: 'recurring';
    /** 5 fields (minute precision) or 6 (seconds first). */
    cron: string;
    durationMs: number;
    /** IANA name; the cron's wall-clock times are read in it. */
    timezone: string;
    /** The window holds nothing before `from` or from `until` on, even mid-occurrence. */
    from?: string;
    until?: string;
  };

export interface MaintenanceWindow {
  /** 128 random bits, hex. */
  id: string;
  name: string;
  createdBy: string;
  /** ISO 8601. */
  createdAt: string;
  /** Check ids covered whatever their labels. */
  checks: string[];
  /** When non-empty, also covers every alert (and check) whose labels all of them match. */
  matchers: LabelMatcher[];
  schedule: MaintenanceSchedule;
}

export type MaintenanceWindowInput = Omit<MaintenanceWindow, 'id' | 'createdAt'>;

export type WindowActivity = { active: false; nextStartsAt?: Date } | { active: true; endsAt: Date };

export interface CheckLabels {
  id: string;
  labels: Readonly<Record<string, string>>;
}

export const MIN_DURATION_MS = 60_000;
export const MAX_DURATION_MS = 7 * 86_400_000;
/** Bounds on what a window stores: it is written by people and APIs and read on every sweep. */
export const MAINTENANCE_LIMITS = { name: 256, createdBy: 256, checks: 1_000, matchers: 32, matcherValue: 1_024 } as const;
/** One-off windows stay listed this long after they end, so people can see what was held. */
export const EXPIRED_RETENTION_MS = 5 * 86_400_000;

export type MaintenanceErrorCode = 'VIGIL_MAINTENANCE_INVALID' | 'VIGIL_MAINTENANCE_NOT_FOUND';

export class MaintenanceError extends Error {
  override readonly name = 'MaintenanceError';
  constructor(readonly code: MaintenanceErrorCode, message: string) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------
// When a window is active

export function windowActiveAt(window: Pick<MaintenanceWindow, 'schedule'>, now: Date): WindowActivity {
  const { schedule } = window;
  return schedule.kind === 'once' ? onceActivity(schedule, now.getTime()) : recurringActivity(schedule, now.getTime());
}

function onceActivity(schedule: Extract<MaintenanceSchedule, { kind: 'once' }>, at: number): WindowActivity {
  const startsAt = Date.parse(schedule.startsAt);
  const endsAt = Date.parse(schedule.endsAt);
  if (at < startsAt) return { active: false, nextStartsAt: new Date(startsAt) };
  if (at < endsAt) return { active: true, endsAt: new Date(endsAt) };
  return { active: false };
}

type RecurringSchedule = Extract<MaintenanceSchedule, { kind: 'recurring' }>;

function recurringActivity(schedule: RecurringSchedule, at: number): WindowActivity {
  const from = schedule.from === undefined ? -Infinity : Date.parse(schedule.from);
  const until = schedule.until === undefined ? Infinity : Date.parse(schedule.until);
  if (at >= until) return { active: false };
  if (at < from) {
    const atFrom = recurringActivity(schedule, from);
    return atFrom.active ? { active: false, nextStartsAt: new Date(from) } : atFrom;
  }
  const cron = cronOf(schedule);
  // Only an occurrence after at − duration can still cover `at`, so the first one after it
  // decides: it covers `at` when it has started, else it is the next start.
  const first = cron.nextRun(new Date(at - schedule.durationMs));
  if (first === null) return { active: false };
  if (first.getTime() <= at) return { active: true, endsAt: new Date(Math.min(chainedEnd(cron, first.getTime(), schedule.durationMs), until)) };
  return first.getTime() < until ? { active: false, nextStartsAt: first } : { active: false };
}

/** A pattern that overlaps itself for longer (`* * * * *` for 1h never ends) gets this many steps: endsAt is then a lower bound. */
const MAX_CHAINED_OCCURRENCES = 64;

/**
 * Where the hold that started at `start` really ends: an occurrence starting before the end
 * extends it (occurrences may overlap, see validDurationMs). Each step jumps to the last
 * occurrence before the current end, so even `* * * * *` takes few steps per duration.
 */
function chainedEnd(cron: Cron, start: number, durationMs: number): number {
  let end = start + durationMs;
  for (let step = 0; step < MAX_CHAINED_OCCURRENCES; step++) {
    const [last] = cron.previousRuns(1, new Date(end));
    if (last === undefined || last.getTime() + durationMs <= end) return end;
    end = last.getTime() + durationMs;
  }
  return end;
}

function cronOf(schedule: Pick<RecurringSchedule, 'cron' | 'timezone'>): Cron {
  // Without a callback croner schedules nothing: this object only computes occurrences.
  // "no-wildcard": by croner's default a list of times (`30 2,14 * * *`) would skip its 02:30 on
  // the spring-forward day; a planned maintenance should move past the gap, not vanish.
  return new Cron(schedule.cron, { timezone: schedule.timezone, mode: '5-or-6-parts', fixedTimeRule: 'no-wildcard' });
}

// ---------------------------------------------------------------------------------------------
// What a window covers

/** True when the window names the alert's check, or its matchers all match the labels. */
export function windowCovers(window: Pick<MaintenanceWindow, 'checks' | 'matchers'>, labels: Readonly<Record<string, string>>): boolean {
  const checkId = labels.check;
  if (checkId !== undefined && window.checks.includes(checkId)) return true;
  return window.matchers.length > 0 && matchesAll(window.matchers, labels);
}

/**
 * The checks among `checks` that an active window covers now. A check is matched with its
 * labels plus `check: <id>`, as its alerts carry them, so `check=~"shop-.*"` covers both.
 */
export function checksInMaintenance(windows: readonly MaintenanceWindow[], checks: readonly CheckLabels[], now: Date): Set<string> {
  const active = windows.filter((window) => windowActiveAt(window, now).active);
  const covered = checks.filter((check) => active.some((window) => windowCovers(window, { ...check.labels, check: check.id })));
  return new Set(covered.map((check) => check.id));
}

/** The active window holding an alert with these labels, if one does (the first, for logs). */
export function alertInMaintenance(windows: readonly MaintenanceWindow[], labels: Readonly<Record<string, string>>, now: Date): MaintenanceWindow | undefined {
  return windows.find((window) => windowCovers(window, labels) && windowActiveAt(window, now).active);
}

/** One line naming what a window covers, for people. */
export function describeCoverage(window: Pick<MaintenanceWindow, 'checks' | 'matchers'>): string {
  const parts = [
    ...(window.checks.length > 0 ? [`checks ${window.checks.join(', ')}`] : []),
    ...(window.matchers.length > 0 ? [`{${window.matchers.map(formatMatcher).join(', ')}}`] : []),
  ];
  return parts.join(' and ');
}

/** One line describing a schedule, for people. */
export function describeSchedule(schedule: MaintenanceSchedule): string {
  if (schedule.kind === 'once') return `${schedule.startsAt} to ${schedule.endsAt}`;
  const bounds = [schedule.from && `from ${schedule.from}`, schedule.until && `until ${schedule.until}`].filter(Boolean).join(' ');
  return `"${schedule.cron}" ${schedule.timezone} for ${formatDuration(schedule.durationMs)}${bounds ? ` ${bounds}` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Validation

/** Checks and normalises a window before it is stored; throws MaintenanceError saying what is wrong. */
export function validateWindowInput(input: MaintenanceWindowInput, now: Date): MaintenanceWindowInput {
  const name = requiredText(input.name, 'name', MAINTENANCE_LIMITS.name);
  const createdBy = requiredText(input.createdBy, 'createdBy (the author)', MAINTENANCE_LIMITS.createdBy);
  const checks = validChecks(input.checks);
  const matchers = validMatchers(input.matchers);
  if (checks.length === 0 && matchers.length === 0) invalid('a maintenance window needs at least one check id or label matcher');
  return { name, createdBy, checks, matchers, schedule: validSchedule(input.schedule, now) };
}

function invalid(message: string): never {
  throw new MaintenanceError('VIGIL_MAINTENANCE_INVALID', message);
}

function requiredText(value: unknown, what: string, maxLength = MAINTENANCE_LIMITS.name): string {
  if (typeof value !== 'string' || value.trim() === '') invalid(`${what} must not be empty`);
  if (value.trim().length > maxLength) invalid(`${what} is longer than ${maxLength} characters`);
  return value.trim();
}

function validChecks(checks: unknown): string[] {
  if (!Array.isArray(checks)) invalid('checks must be a list of check ids');
  if (checks.length > MAINTENANCE_LIMITS.checks) invalid(`a window names at most ${MAINTENANCE_LIMITS.checks} checks; use matchers for more`);
  return [...new Set(checks.map((check) => requiredText(check, 'a check id')))];
}

/** Matchers may come from an API as objects: each is read back from its text to be checked. */
function validMatchers(matchers: unknown): LabelMatcher[] {
  if (!Array.isArray(matchers)) invalid('matchers must be a list of label matchers');
  if (matchers.length > MAINTENANCE_LIMITS.matchers) invalid(`a window takes at most ${MAINTENANCE_LIMITS.matchers} matchers`);
  return matchers.map((matcher: LabelMatcher) => {
    if (typeof matcher?.value === 'string' && matcher.value.length > MAINTENANCE_LIMITS.matcherValue) invalid(`a matcher value is longer than ${MAINTENANCE_LIMITS.matcherValue} characters`);
    try {
      return parseMatcher(formatMatcher(matcher));
    } catch (err) {
      return invalid((err as Error).message);
    }
  });
}

function validSchedule(schedule: MaintenanceSchedule, now: Date): MaintenanceSchedule {
  switch (schedule?.kind) {
    case 'once': return validOnce(schedule, now);
    case 'recurring': return validRecurring(schedule, now);
    default: return invalid('schedule.kind must be "once" or "recurring"');
  }
}

function validOnce(schedule: Extract<MaintenanceSchedule, { kind: 'once' }>, now: Date): MaintenanceSchedule {
  const startsAt = isoInstant(schedule.startsAt, 'startsAt');
  const endsAt = isoInstant(schedule.endsAt, 'endsAt');
  if (endsAt <= startsAt) invalid(`the window must end after it starts (${endsAt.toISOString()} is not after ${startsAt.toISOString()})`);
  if (endsAt <= now) invalid(`the window would already be over: it ends at ${endsAt.toISOString()}`);
  return { kind: 'once', startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString() };
}

function validRecurring(schedule: RecurringSchedule, now: Date): MaintenanceSchedule {
  const timezone = validTimeZone(schedule.timezone);
  const cron = validCron(schedule.cron, timezone, now);
  const durationMs = validDurationMs(schedule.durationMs);
  const from = schedule.from === undefined ? undefined : isoInstant(schedule.from, 'from');
  const until = schedule.until === undefined ? undefined : isoInstant(schedule.until, 'until');
  if (from && until && until <= from) invalid(`"until" (${until.toISOString()}) must be after "from" (${from.toISOString()})`);
  if (until && until <= now) invalid(`the window would already be over: it recurs until ${until.toISOString()}`);
  return {
    kind: 'recurring', cron, durationMs, timezone,
    ...(from ? { from: from.toISOString() } : {}),
    ...(until ? { until: until.toISOString() } : {}),
  };
}

/**
 * A duration from 1m to 7d. It need not be shorter than the cron's period: a pattern has no
 * single period (`0 2 * * 1-5` waits one day or three; `0 2 1,15 * *` two weeks or more), and
 * occurrences that overlap simply merge into one longer hold, which is what "every 30 minutes,
 * for an hour" means.
 */
function validDurationMs(durationMs: unknown): number {
  if (typeof durationMs !== 'number' || !Number.isInteger(durationMs)) invalid('the duration must be a whole number of milliseconds');
  if (durationMs < MIN_DURATION_MS || durationMs > MAX_DURATION_MS) {
    invalid(`the duration must be from ${formatDuration(MIN_DURATION_MS)} to ${formatDuration(MAX_DURATION_MS)}, got ${formatDuration(durationMs)}`);
  }
  return durationMs;
}

/** The zone's canonical name ("europe/berlin" → "Europe/Berlin"), if Intl knows it. */
function validTimeZone(timezone: unknown): string {
  if (typeof timezone !== 'string' || timezone.trim() === '') invalid('the time zone must not be empty');
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: timezone.trim() }).resolvedOptions().timeZone;
  } catch {
    return invalid(`unknown time zone "${timezone}": expected an IANA name such as Europe/Berlin, America/New_York or UTC`);
  }
}

function validCron(cron: unknown, timezone: string, now: Date): string {
  if (typeof cron !== 'string') invalid('the cron expression must be text');
  const pattern = cron.trim().replace(/\s+/g, ' ');
  const fields = pattern.split(' ').length;
  if (fields !== 5 && fields !== 6) invalid(`the cron expression "${cron}" has ${fields} fields; expected 5 (minute hour day month weekday) or 6 (with seconds first)`);
  let next: Date | null;
  try {
    next = cronOf({ cron: pattern, timezone }).nextRun(now);
  } catch (err) {
    return invalid(`invalid cron expression "${cron}": ${(err as Error).message.replace(/^CronPattern: /, '')}`);
  }
  if (next === null) invalid(`the cron expression "${cron}" never occurs`);
  return pattern;
}

/** An ISO 8601 date-time with its offset (Z or ±hh:mm): a bare local time would be ambiguous. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

export function isoInstant(text: unknown, what: string): Date {
  const at = typeof text === 'string' && ISO_INSTANT.test(text.trim()) ? new Date(text.trim()) : undefined;
  if (at === undefined || Number.isNaN(at.getTime())) invalid(`${what} must be an ISO 8601 time with Z or an offset, like 2026-03-29T02:00:00Z or 2026-03-29T04:00+02:00; got ${JSON.stringify(text)}`);
  return at;
}

// ---------------------------------------------------------------------------------------------
// The store: REDIS_KEYS.maintenanceWindows, id → JSON MaintenanceWindow

export async function createMaintenanceWindow(redis: Redis, input: MaintenanceWindowInput, now: Date): Promise<MaintenanceWindow> {
  const window: MaintenanceWindow = { id: randomBytes(16).toString('hex'), createdAt: now.toISOString(), ...validateWindowInput(input, now) };
  await redis.hset(REDIS_KEYS.maintenanceWindows, window.id, JSON.stringify(window));
  return window;
}

/** Every window, oldest first; windows over for more than EXPIRED_RETENTION_MS are removed. */
export async function listMaintenanceWindows(redis: Redis, now = new Date()): Promise<MaintenanceWindow[]> {
  const windows = Object.values(await redis.hgetall(REDIS_KEYS.maintenanceWindows)).map((text) => JSON.parse(text) as MaintenanceWindow);
  const expired = windows.filter((window) => longOver(window, now));
  if (expired.length > 0) await redis.hdel(REDIS_KEYS.maintenanceWindows, ...expired.map((window) => window.id));
  return windows
    .filter((window) => !longOver(window, now))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

/** A window that cannot hold anything again, and ended long enough ago to be forgotten. */
function longOver(window: MaintenanceWindow, now: Date): boolean {
  const { schedule } = window;
  const end = schedule.kind === 'once' ? schedule.endsAt : schedule.until;
  return end !== undefined && Date.parse(end) + EXPIRED_RETENTION_MS < now.getTime();
}

/** Removes a window and returns it; an unknown id is a MaintenanceError VIGIL_MAINTENANCE_NOT_FOUND. */
export async function deleteMaintenanceWindow(redis: Redis, id: string): Promise<MaintenanceWindow> {
  // Read and delete in one MULTI, so two deletions cannot both report the window.
  const replies = await redis.multi().hget(REDIS_KEYS.maintenanceWindows, id).hdel(REDIS_KEYS.maintenanceWindows, id).exec();
  const text = replies?.[0]?.[1];
  if (typeof text !== 'string') throw new MaintenanceError('VIGIL_MAINTENANCE_NOT_FOUND', `no maintenance window with id "${id}"`);
  return JSON.parse(text) as MaintenanceWindow;
}

export interface MaintenanceChange {
  /** Check ids that went into maintenance with this sync. */
  entered: string[];
  /** Check ids that came out of it. */
  left: string[];
}

/**
 * Replaces REDIS_KEYS.maintenance with the checks the windows cover now. The old members are
 * read inside the same MULTI, so what entered and left is exact even with two sweepers.
 */
export async function syncMaintenanceSet(redis: Redis, windows: readonly MaintenanceWindow[], checks: readonly CheckLabels[], now: Date): Promise<MaintenanceChange> {
  const next = checksInMaintenance(windows, checks, now);
  const transaction = redis.multi().smembers(REDIS_KEYS.maintenance).del(REDIS_KEYS.maintenance);
  if (next.size > 0) transaction.sadd(REDIS_KEYS.maintenance, ...next);
  const replies = await transaction.exec();
  const failed = replies?.find(([err]) => err !== null)?.[0];
  if (!replies || failed) throw failed ?? new Error('the maintenance set transaction was aborted');
  const previous = new Set(replies[0]![1] as string[]);
  return {
    entered: [...next].filter((id) => !previous.has(id)).sort(),
    left: [...previous].filter((id) => !next.has(id)).sort(),
  };
}
