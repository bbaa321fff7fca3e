import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  alertInMaintenance, checksInMaintenance, createMaintenanceWindow, deleteMaintenanceWindow, listMaintenanceWindows, MaintenanceError,
  syncMaintenanceSet, validateWindowInput, windowActiveAt, windowCovers,
  type CheckLabels, type MaintenanceSchedule, type MaintenanceWindow, type MaintenanceWindowInput,
} from '../../../libs/alerts/maintenance.js';
import { parseMatchers } from '../../../libs/alerts/matchers.js';
import { REDIS_KEYS } from '../../../libs/redis-keys.js';
import { isolatedRedisUrl } from '../../support/infra.js';

const HOUR = 3_600_000;

function windowWith(schedule: MaintenanceSchedule, coverage: Partial<Pick<MaintenanceWindow, 'checks' | 'matchers'>> = {}): MaintenanceWindow {
  return { id: 'w1', name: 'db upgrade', createdBy: 'ana', createdAt: '2026-01-01T00:00:00.000Z', checks: [], matchers: [], ...coverage, schedule };
}

function recurring(cron: string, durationMs: number, timezone = 'UTC', bounds: { from?: string; until?: string } = {}): MaintenanceSchedule {
  return { kind: 'recurring', cron, durationMs, timezone, ...bounds };
}

/** The activity as ISO strings, so a table row reads as the times a person would check. */
function activityAt(schedule: MaintenanceSchedule, now: string) {
  const activity = windowActiveAt(windowWith(schedule), new Date(now));
  if (activity.active) return { active: true, endsAt: activity.endsAt.toISOString() };
  return { active: false, nextStartsAt: activity.nextStartsAt?.toISOString() };
}

const active = (endsAt: string) => ({ active: true, endsAt });
const waiting = (nextStartsAt?: string) => ({ active: false, nextStartsAt });

describe('when a one-off window is active', () => {
  const once: MaintenanceSchedule = { kind: 'once', startsAt: '2026-03-01T10:00:00.000Z', endsAt: '2026-03-01T12:00:00.000Z' };

  it.each([
    { case: 'before it, saying when it starts', now: '2026-03-01T09:00:00.000Z', expected: waiting('2026-03-01T10:00:00.000Z') },
    { case: 'at its exact start', now: '2026-03-01T10:00:00.000Z', expected: active('2026-03-01T12:00:00.000Z') },
    { case: 'inside it', now: '2026-03-01T11:59:59.999Z', expected: active('2026-03-01T12:00:00.000Z') },
    { case: 'at its exact end (over)', now: '2026-03-01T12:00:00.000Z', expected: waiting() },
    { case: 'after it', now: '2026-03-02T00:00:00.000Z', expected: waiting() },
  ])('$case', ({ now, expected }) => {
    expect(activityAt(once, now)).toEqual(expected);
  });
});

describe('when a recurring window is active', () => {
  // 2026-03-01 is a Sunday.
  const sundays = recurring('0 2 * * 0', 2 * HOUR);

  it.each([
    { case: 'on a weekday, waiting for Sunday 02:00', now: '2026-02-27T12:00:00.000Z', expected: waiting('2026-03-01T02:00:00.000Z') },
    { case: 'just before the start', now: '2026-03-01T01:59:59.999Z', expected: waiting('2026-03-01T02:00:00.000Z') },
    { case: 'at the exact start', now: '2026-03-01T02:00:00.000Z', expected: active('2026-03-01T04:00:00.000Z') },
    { case: 'inside an occurrence', now: '2026-03-01T03:59:59.999Z', expected: active('2026-03-01T04:00:00.000Z') },
    { case: 'at the exact end, waiting for next Sunday', now: '2026-03-01T04:00:00.000Z', expected: waiting('2026-03-08T02:00:00.000Z') },
    { case: 'outside, later that Sunday', now: '2026-03-01T12:00:00.000Z', expected: waiting('2026-03-08T02:00:00.000Z') },
  ])('Sundays 02:00 for 2h: $case', ({ now, expected }) => {
    expect(activityAt(sundays, now)).toEqual(expected);
  });

  it('treats occurrences that overlap as one hold, ending with the last', () => {
    expect(activityAt(recurring('0 2,3 * * *', 2 * HOUR), '2026-03-01T02:30:00.000Z')).toEqual(active('2026-03-01T05:00:00.000Z'));
  });

  it('reads a 6-field cron with seconds first', () => {
    expect(activityAt(recurring('30 0 2 * * *', HOUR), '2026-03-01T02:00:30.000Z')).toEqual(active('2026-03-01T03:00:30.000Z'));
  });
});

describe('a recurring window bounded by from and until', () => {
  const bounded = recurring('0 2 * * *', 2 * HOUR, 'UTC', { from: '2026-03-10T03:00:00.000Z', until: '2026-03-12T03:00:00.000Z' });

  it.each([
    { case: 'holds nothing before from, and starts at from when an occurrence is under way', now: '2026-03-09T02:30:00.000Z', expected: waiting('2026-03-10T03:00:00.000Z') },
    { case: 'is active from from to the end of that occurrence', now: '2026-03-10T03:00:00.000Z', expected: active('2026-03-10T04:00:00.000Z') },
    { case: 'recurs between the bounds', now: '2026-03-11T12:00:00.000Z', expected: waiting('2026-03-12T02:00:00.000Z') },
    { case: 'ends at until, mid-occurrence', now: '2026-03-12T02:30:00.000Z', expected: active('2026-03-12T03:00:00.000Z') },
    { case: 'is over from until on', now: '2026-03-12T03:00:00.000Z', expected: waiting() },
  ])('$case', ({ now, expected }) => {
    expect(activityAt(bounded, now)).toEqual(expected);
  });

  it('names no next start when the next occurrence falls after until', () => {
    const endsEarly = recurring('0 2 * * *', 2 * HOUR, 'UTC', { until: '2026-03-12T01:00:00.000Z' });
    expect(activityAt(endsEarly, '2026-03-11T12:00:00.000Z')).toEqual(waiting());
  });
});

/**
 * 2026 transitions. Europe/Berlin: 29 March 02:00 CET → 03:00 CEST (01:00Z); 25 October
 * 03:00 CEST → 02:00 CET (01:00Z). America/New_York: 8 March 02:00 EST → 03:00 EDT (07:00Z);
 * 1 November 02:00 EDT → 01:00 EST (06:00Z). Both fall-backs and spring-forwards are Sundays.
 */
describe('recurring windows across daylight saving time', () => {
  it.each([
    // Spring forward: 02:30 does not exist that day; the window starts when the gap ends.
    { case: 'Berlin 02:30 daily, the day before spring-forward (CET)', schedule: recurring('30 2 * * *', HOUR, 'Europe/Berlin'), now: '2026-03-28T01:30:00.000Z', expected: active('2026-03-28T02:30:00.000Z') },
    { case: 'Berlin 02:30 daily, spring-forward day before the gap', schedule: recurring('30 2 * * *', HOUR, 'Europe/Berlin'), now: '2026-03-29T00:45:00.000Z', expected: waiting('2026-03-29T01:00:00.000Z') },
    { case: 'Berlin 02:30 daily, spring-forward day: starts at 03:00 CEST for the full hour', schedule: recurring('30 2 * * *', HOUR, 'Europe/Berlin'), now: '2026-03-29T01:00:00.000Z', expected: active('2026-03-29T02:00:00.000Z') },
    { case: 'Berlin 02:30 daily, spring-forward day after it: next at 02:30 CEST', schedule: recurring('30 2 * * *', HOUR, 'Europe/Berlin'), now: '2026-03-29T02:00:00.000Z', expected: waiting('2026-03-30T00:30:00.000Z') },
    { case: 'Berlin Sundays 02:00 for 2h, on spring-forward Sunday: 03:00 to 05:00 CEST', schedule: recurring('0 2 * * 0', 2 * HOUR, 'Europe/Berlin'), now: '2026-03-29T02:59:59.000Z', expected: active('2026-03-29T03:00:00.000Z') },
    { case: 'New York 02:30 daily, spring-forward day: starts at 03:00 EDT', schedule: recurring('30 2 * * *', HOUR, 'America/New_York'), now: '2026-03-08T06:59:00.000Z', expected: waiting('2026-03-08T07:00:00.000Z') },
    { case: 'New York 02:30 daily, spring-forward day inside it', schedule: recurring('30 2 * * *', HOUR, 'America/New_York'), now: '2026-03-08T07:30:00.000Z', expected: active('2026-03-08T08:00:00.000Z') },
    // Fall back: a repeated wall-clock time starts the window once, at its first (summer-time) pass.
    { case: 'Berlin 02:30 daily, fall-back day first pass (CEST)', schedule: recurring('30 2 * * *', HOUR, 'Europe/Berlin'), now: '2026-10-25T00:30:00.000Z', expected: active('2026-10-25T01:30:00.000Z') },
    { case: 'Berlin 02:30 daily, fall-back day second pass (CET) does not start it again', schedule: recurring('30 2 * * *', HOUR, 'Europe/Berlin'), now: '2026-10-25T01:30:00.000Z', expected: waiting('2026-10-26T01:30:00.000Z') },
    { case: 'Berlin 01:30 daily for 2h, fall-back day: 2h of real time, ending 02:30 CET', schedule: recurring('30 1 * * *', 2 * HOUR, 'Europe/Berlin'), now: '2026-10-25T01:15:00.000Z', expected: active('2026-10-25T01:30:00.000Z') },
    { case: 'Berlin 01:30 daily for 2h, fall-back day after it: next 01:30 CET', schedule: recurring('30 1 * * *', 2 * HOUR, 'Europe/Berlin'), now: '2026-10-25T01:30:00.000Z', expected: waiting('2026-10-26T00:30:00.000Z') },
    { case: 'Berlin Sundays 02:00 for 2h, fall-back Sunday: 02:00 CEST to 03:00 CET', schedule: recurring('0 2 * * 0', 2 * HOUR, 'Europe/Berlin'), now: '2026-10-25T01:30:00.000Z', expected: active('2026-10-25T02:00:00.000Z') },
    { case: 'New York 01:30 daily, fall-back day first pass (EDT)', schedule: recurring('30 1 * * *', HOUR, 'America/New_York'), now: '2026-11-01T05:30:00.000Z', expected: active('2026-11-01T06:30:00.000Z') },
    { case: 'New York 01:30 daily, fall-back day second pass (EST) does not start it again', schedule: recurring('30 1 * * *', HOUR, 'America/New_York'), now: '2026-11-01T06:45:00.000Z', expected: waiting('2026-11-02T06:30:00.000Z') },
    // A list of times is treated like a single time: moved past the gap, started once.
    { case: 'Berlin 02:30 and 14:30, spring-forward day: the 02:30 occurrence moves to 03:00 CEST', schedule: recurring('30 2,14 * * *', HOUR, 'Europe/Berlin'), now: '2026-03-29T01:15:00.000Z', expected: active('2026-03-29T02:00:00.000Z') },
    { case: 'Berlin 02:30 and 14:30, fall-back day: the CET pass does not start it again', schedule: recurring('30 2,14 * * *', HOUR, 'Europe/Berlin'), now: '2026-10-25T01:30:00.000Z', expected: waiting('2026-10-25T13:30:00.000Z') },
    // A wildcard or step in the time fields makes it an interval job: both passes of a repeated
    // hour start it, and an hour that does not exist has no occurrences.
    { case: 'Berlin every 30 minutes in hour 2, fall-back day: the CET pass starts it too', schedule: recurring('*/30 2 * * *', 10 * 60_000, 'Europe/Berlin'), now: '2026-10-25T01:05:00.000Z', expected: active('2026-10-25T01:10:00.000Z') },
    { case: 'Berlin every 30 minutes in hour 2, spring-forward day: skipped, as hour 2 does not exist', schedule: recurring('*/30 2 * * *', 10 * 60_000, 'Europe/Berlin'), now: '2026-03-29T00:45:00.000Z', expected: waiting('2026-03-30T00:00:00.000Z') },
  ])('$case', ({ schedule, now, expected }) => {
    expect(activityAt(schedule, now)).toEqual(expected);
  });
});

describe('what a window covers', () => {
  const labels = { alertname: 'CheckDown', check: 'shop-api', team: 'shop', env: 'prod' };

  it.each([
    { case: 'an alert of a check it names', coverage: { checks: ['shop-api'] }, expected: true },
    { case: 'an alert whose labels all its matchers match', coverage: { matchers: parseMatchers('team=shop, env=~"prod|stage"') }, expected: true },
    { case: 'not an alert only some of its matchers match', coverage: { matchers: parseMatchers('team=shop, env=dev') }, expected: false },
    { case: 'not an alert of another check when it names checks only', coverage: { checks: ['billing'] }, expected: false },
    { case: 'an alert of a named check even when its matchers do not match', coverage: { checks: ['shop-api'], matchers: parseMatchers('team=infra') }, expected: true },
  ])('$case', ({ coverage, expected }) => {
    expect(windowCovers(windowWith({ kind: 'once', startsAt: '2026-01-01T00:00:00Z', endsAt: '2026-01-02T00:00:00Z' }, coverage), labels)).toBe(expected);
  });
});

describe('checks and alerts in maintenance now', () => {
  const now = new Date('2026-03-01T11:00:00.000Z');
  const activeNow: MaintenanceSchedule = { kind: 'once', startsAt: '2026-03-01T10:00:00.000Z', endsAt: '2026-03-01T12:00:00.000Z' };
  const later: MaintenanceSchedule = { kind: 'once', startsAt: '2026-03-02T10:00:00.000Z', endsAt: '2026-03-02T12:00:00.000Z' };
  const checks: CheckLabels[] = [
    { id: 'shop-api', labels: { team: 'shop' } },
    { id: 'shop-web', labels: { team: 'shop' } },
    { id: 'billing', labels: { team: 'money' } },
    { id: 'search', labels: {} },
  ];

  it('puts the checks an active window names or matches in maintenance', () => {
    const windows = [windowWith(activeNow, { checks: ['search'] }), windowWith(activeNow, { matchers: parseMatchers('team=shop') })];
    expect(checksInMaintenance(windows, checks, now)).toEqual(new Set(['search', 'shop-api', 'shop-web']));
  });

  it('matches a check by its id as the check label, as its alerts carry it', () => {
    expect(checksInMaintenance([windowWith(activeNow, { matchers: parseMatchers('check=~"shop-.*"') })], checks, now)).toEqual(new Set(['shop-api', 'shop-web']));
  });

  it('puts nothing in maintenance for a window that has not started', () => {
    expect(checksInMaintenance([windowWith(later, { checks: ['search'] })], checks, now)).toEqual(new Set());
  });

  it('names the window holding an alert', () => {
    const holding = { ...windowWith(activeNow, { checks: ['billing'] }), id: 'holding' };
    const windows = [windowWith(later, { checks: ['billing'] }), holding];
    expect(alertInMaintenance(windows, { alertname: 'CheckDown', check: 'billing' }, now)?.id).toBe('holding');
  });

  it('holds no alert when no active window covers it', () => {
    expect(alertInMaintenance([windowWith(later, { checks: ['billing'] })], { alertname: 'CheckDown', check: 'billing' }, now)).toBeUndefined();
  });
});

describe('validating a new window', () => {
  const now = new Date('2026-03-01T00:00:00.000Z');
  const base: MaintenanceWindowInput = {
    name: 'db upgrade', createdBy: 'ana', checks: ['db'], matchers: [],
    schedule: { kind: 'once', startsAt: '2026-03-01T10:00:00Z', endsAt: '2026-03-01T12:00:00Z' },
  };
  const withSchedule = (schedule: Partial<MaintenanceSchedule> & { kind: string }): MaintenanceWindowInput => ({ ...base, schedule: schedule as MaintenanceSchedule });
  const recurringWith = (fields: Record<string, unknown>) => withSchedule({ kind: 'recurring', cron: '0 2 * * 0', durationMs: 2 * HOUR, timezone: 'UTC', ...fields });

  it.each([
    { case: 'an empty name', input: { ...base, name: ' ' }, problem: /name must not be empty/ },
    { case: 'a name longer than 256 characters', input: { ...base, name: 'x'.repeat(257) }, problem: /name is longer than 256 characters/ },
    { case: 'no author', input: { ...base, createdBy: '' }, problem: /createdBy \(the author\) must not be empty/ },
    { case: 'neither checks nor matchers', input: { ...base, checks: [] }, problem: /at least one check id or label matcher/ },
    { case: 'a matcher whose regex does not compile', input: { ...base, matchers: [{ name: 'team', operator: '=~' as const, value: '(' }] }, problem: /does not compile/ },
    { case: 'a one-off window ending before it starts', input: withSchedule({ kind: 'once', startsAt: '2026-03-01T12:00:00Z', endsAt: '2026-03-01T10:00:00Z' }), problem: /must end after it starts/ },
    { case: 'a one-off window already over', input: withSchedule({ kind: 'once', startsAt: '2026-02-01T10:00:00Z', endsAt: '2026-02-01T12:00:00Z' }), problem: /already be over: it ends at 2026-02-01T12:00:00.000Z/ },
    { case: 'a time without an offset', input: withSchedule({ kind: 'once', startsAt: '2026-03-01T10:00', endsAt: '2026-03-01T12:00:00Z' }), problem: /startsAt must be an ISO 8601 time with Z or an offset/ },
    { case: 'a cron value out of range', input: recurringWith({ cron: '61 2 * * *' }), problem: /invalid cron expression "61 2 \* \* \*": Invalid value for minute: 61/ },
    { case: 'a cron that is not one', input: recurringWith({ cron: 'every sunday' }), problem: /"every sunday" has 2 fields; expected 5 .* or 6/ },
    { case: 'a 7-field cron (with years)', input: recurringWith({ cron: '0 0 2 * * 0 2026' }), problem: /has 7 fields/ },
    { case: 'a cron that never occurs', input: recurringWith({ cron: '0 0 30 2 *' }), problem: /"0 0 30 2 \*" never occurs/ },
    { case: 'an unknown time zone', input: recurringWith({ timezone: 'Europe/Atlantis' }), problem: /unknown time zone "Europe\/Atlantis": expected an IANA name/ },
    { case: 'a duration under a minute', input: recurringWith({ durationMs: 30_000 }), problem: /duration must be from 1m to 7d, got 30s/ },
    { case: 'a duration over a week', input: recurringWith({ durationMs: 8 * 24 * HOUR }), problem: /from 1m to 7d, got 8d/ },
    { case: 'until before from', input: recurringWith({ from: '2026-04-01T00:00:00Z', until: '2026-03-15T00:00:00Z' }), problem: /"until" .* must be after "from"/ },
    { case: 'a recurrence already over', input: recurringWith({ until: '2026-02-01T00:00:00Z' }), problem: /recurs until 2026-02-01T00:00:00.000Z/ },
  ])('refuses $case, saying why', ({ input, problem }) => {
    expect(() => validateWindowInput(input as MaintenanceWindowInput, now)).toThrow(problem);
    expect(() => validateWindowInput(input as MaintenanceWindowInput, now)).toThrow(expect.objectContaining({ name: 'MaintenanceError', code: 'VIGIL_MAINTENANCE_INVALID' }));
  });

  it('stores the time zone by its canonical name and times in UTC', () => {
    const valid = validateWindowInput(recurringWith({ timezone: 'europe/berlin', from: '2026-03-01T04:00+02:00' }), now);
    expect(valid.schedule).toEqual({ kind: 'recurring', cron: '0 2 * * 0', durationMs: 2 * HOUR, timezone: 'Europe/Berlin', from: '2026-03-01T02:00:00.000Z' });
  });

  it('accepts a one-off window that has already started', () => {
    const started = withSchedule({ kind: 'once', startsAt: '2026-02-28T22:00:00Z', endsAt: '2026-03-01T02:00:00Z' });
    expect(validateWindowInput(started, now).schedule).toMatchObject({ kind: 'once' });
  });
});

describe('the maintenance window store', () => {
  let redis: Redis;
  const now = new Date('2026-03-01T00:00:00.000Z');
  const input = (schedule: MaintenanceSchedule, checks = ['db']): MaintenanceWindowInput => ({ name: 'db upgrade', createdBy: 'ana', checks, matchers: [], schedule });
  const tonight: MaintenanceSchedule = { kind: 'once', startsAt: '2026-03-01T22:00:00.000Z', endsAt: '2026-03-01T23:00:00.000Z' };

  beforeAll(async () => {
    redis = new Redis(await isolatedRedisUrl());
  });
  beforeEach(() => redis.flushdb());
  afterAll(() => redis.quit());

  it('creates a window with a random 128-bit id and lists it', async () => {
    const created = await createMaintenanceWindow(redis, input(tonight), now);
    expect(created).toMatchObject({ id: expect.stringMatching(/^[0-9a-f]{32}$/), createdAt: now.toISOString(), name: 'db upgrade', schedule: tonight });
    expect(await listMaintenanceWindows(redis, now)).toEqual([created]);
  });

  it('stores nothing when the window is refused', async () => {
    const badCron = input({ kind: 'recurring', cron: 'not a cron at all', durationMs: HOUR, timezone: 'UTC' });
    await expect(createMaintenanceWindow(redis, badCron, now)).rejects.toThrow(MaintenanceError);
    expect(await redis.hlen(REDIS_KEYS.maintenanceWindows)).toBe(0);
  });

  it('lists windows oldest first', async () => {
    const first = await createMaintenanceWindow(redis, input(tonight, ['a']), now);
    const second = await createMaintenanceWindow(redis, input(tonight, ['b']), new Date(now.getTime() + 1_000));
    expect((await listMaintenanceWindows(redis, now)).map((window) => window.id)).toEqual([first.id, second.id]);
  });

  it('forgets one-off windows that ended more than 5 days ago, and keeps younger ones listed', async () => {
    await createMaintenanceWindow(redis, input(tonight, ['old']), now);
    const recent = await createMaintenanceWindow(redis, input({ kind: 'once', startsAt: '2026-03-03T00:00:00.000Z', endsAt: '2026-03-03T01:00:00.000Z' }, ['recent']), now);
    const listed = await listMaintenanceWindows(redis, new Date('2026-03-07T12:00:00.000Z'));
    expect(listed.map((window) => window.id)).toEqual([recent.id]);
    expect(await redis.hkeys(REDIS_KEYS.maintenanceWindows)).toEqual([recent.id]);
  });

  it('deletes a window and returns it', async () => {
    const created = await createMaintenanceWindow(redis, input(tonight), now);
    expect(await deleteMaintenanceWindow(redis, created.id)).toEqual(created);
    expect(await listMaintenanceWindows(redis, now)).toEqual([]);
  });

  it('refuses to delete an unknown window with a stable code', async () => {
    await expect(deleteMaintenanceWindow(redis, 'nope')).rejects.toThrow(expect.objectContaining({
      name: 'MaintenanceError', code: 'VIGIL_MAINTENANCE_NOT_FOUND', message: 'no maintenance window with id "nope"',
    }));
  });
});

describe('syncing the maintenance set the evaluator reads', () => {
  let redis: Redis;
  const checks = [{ id: 'db', labels: { team: 'data' } }, { id: 'cache', labels: { team: 'data' } }, { id: 'web', labels: { team: 'shop' } }];
  const nightly = windowWith(recurring('0 2 * * *', HOUR), { matchers: parseMatchers('team=data') });
  const webTonight = windowWith({ kind: 'once', startsAt: '2026-03-01T02:30:00.000Z', endsAt: '2026-03-01T04:00:00.000Z' }, { checks: ['web'] });
  const members = async () => (await redis.smembers(REDIS_KEYS.maintenance)).sort();

  beforeAll(async () => {
    redis = new Redis(await isolatedRedisUrl());
  });
  beforeEach(() => redis.flushdb());
  afterAll(() => redis.quit());

  it('writes the checks covered now and reports them as entered', async () => {
    const change = await syncMaintenanceSet(redis, [nightly, webTonight], checks, new Date('2026-03-01T02:00:00.000Z'));
    expect(change).toEqual({ entered: ['cache', 'db'], left: [] });
    expect(await members()).toEqual(['cache', 'db']);
  });

  it('reports what entered and what left as windows start and end', async () => {
    await syncMaintenanceSet(redis, [nightly, webTonight], checks, new Date('2026-03-01T02:00:00.000Z'));
    const change = await syncMaintenanceSet(redis, [nightly, webTonight], checks, new Date('2026-03-01T03:00:00.000Z'));
    expect(change).toEqual({ entered: ['web'], left: ['cache', 'db'] });
    expect(await members()).toEqual(['web']);
  });

  it('removes checks put there by hand or by windows since deleted', async () => {
    await redis.sadd(REDIS_KEYS.maintenance, 'db', 'gone');
    expect(await syncMaintenanceSet(redis, [], checks, new Date('2026-03-01T03:00:00.000Z'))).toEqual({ entered: [], left: ['db', 'gone'] });
    expect(await redis.exists(REDIS_KEYS.maintenance)).toBe(0);
  });

  it('reports no change when nothing changed', async () => {
    await syncMaintenanceSet(redis, [nightly], checks, new Date('2026-03-01T02:00:00.000Z'));
    expect(await syncMaintenanceSet(redis, [nightly], checks, new Date('2026-03-01T02:30:00.000Z'))).toEqual({ entered: [], left: [] });
  });
});
