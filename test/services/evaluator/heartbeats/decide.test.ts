/** Heartbeat decisions, pure: pings and the passing of time against a period or a cron schedule. */
import { describe, expect, it } from 'vitest';
import { deadlineOf, decideHeartbeat, type HeartbeatInput, type HeartbeatSchedule, type HeartbeatView } from '../../../../services/evaluator/heartbeats/decide.js';

const at = (iso: string): number => Date.parse(iso);
const hourly: HeartbeatSchedule = { periodMs: 3_600_000, graceMs: 300_000 };
const nightlyBerlin: HeartbeatSchedule = { schedule: '0 3 * * *', timezone: 'Europe/Berlin', graceMs: 1_800_000 };
const T0 = at('2026-12-03T10:00:00Z');
const upSince = (lastSuccessMs: number, extra: Partial<HeartbeatView> = {}): HeartbeatView => ({ down: false, sinceMs: T0 - 86_400_000, lastSuccessMs, ...extra });
const tick = (atMs: number): HeartbeatInput => ({ kind: 'tick', atMs });

describe('a heartbeat with a period', () => {
  it.each<[string, HeartbeatView, HeartbeatInput, 'down' | 'up' | undefined, RegExp | undefined]>([
    ['on time: within period + grace of the last success', upSince(T0), tick(T0 + 3_600_000 + 300_000), undefined, undefined],
    ['late: past period + grace of the last success', upSince(T0), tick(T0 + 3_600_000 + 300_001), 'down', /no success ping since 2026-12-03T10:00:00.000Z; one was expected by 2026-12-03T11:05:00.000Z/],
    ['never pinged, first deadline not passed', { down: false, sinceMs: T0 }, tick(T0 + 3_000_000), undefined, undefined],
    ['never pinged, first deadline passed', { down: false, sinceMs: T0 }, tick(T0 + 3_900_001), 'down', /no ping since the check was first seen at 2026-12-03T10:00:00.000Z/],
    ['started and still within grace', upSince(T0, { runningSinceMs: T0 + 600_000 }), tick(T0 + 600_000 + 300_000), undefined, undefined],
    ['started and not finished within grace', upSince(T0, { runningSinceMs: T0 + 600_000 }), tick(T0 + 600_000 + 300_001), 'down', /started at 2026-12-03T10:10:00.000Z and did not finish within grace \(5m\)/],
    ['failed with an exit code', upSince(T0), { kind: 'fail', atMs: T0 + 60_000, exitCode: 3 }, 'down', /failure .* with exit code 3/],
    ['failed without an exit code', upSince(T0), { kind: 'fail', atMs: T0 + 60_000 }, 'down', /pinged failure at 2026-12-03T10:01:00.000Z$/],
    ['succeeded while down', { down: true, sinceMs: T0 }, { kind: 'success', atMs: T0 + 60_000 }, 'up', /pinged success/],
    ['succeeded while up', upSince(T0), { kind: 'success', atMs: T0 + 60_000 }, undefined, undefined],
    ['late again while already down', { down: true, sinceMs: T0 - 86_400_000, lastSuccessMs: T0 - 86_400_000 }, tick(T0), undefined, undefined],
    ['failed again while already down', { down: true, sinceMs: T0 }, { kind: 'fail', atMs: T0, exitCode: 1 }, undefined, undefined],
  ])('%s', (_name, view, input, to, reason) => {
    const decision = decideHeartbeat(hourly, view, input);
    expect(decision.move?.to).toBe(to);
    const { move } = decision;
    if (to !== undefined) expect(decision.view.down).toBe(to === 'down');
    if (reason) expect(move?.reason).toMatch(reason);
  });

  it('a success ends a started run and restarts the period from it', () => {
    const { view } = decideHeartbeat(hourly, upSince(T0, { runningSinceMs: T0 + 60_000 }), { kind: 'success', atMs: T0 + 120_000 });
    expect(view).toEqual({ down: false, sinceMs: T0 - 86_400_000, lastSuccessMs: T0 + 120_000 });
    expect(deadlineOf(hourly, view)).toBe(T0 + 120_000 + 3_600_000 + 300_000);
  });

  it('a start neither fires nor resolves, and is remembered', () => {
    const decision = decideHeartbeat(hourly, upSince(T0), { kind: 'start', atMs: T0 + 60_000 });
    expect(decision).toEqual({ view: upSince(T0, { runningSinceMs: T0 + 60_000 }) });
  });

  it('a missed deadline goes down at the deadline, not at the sweep', () => {
    const { move } = decideHeartbeat(hourly, upSince(T0), tick(T0 + 7_200_000));
    expect(move).toMatchObject({ to: 'down', failingSinceMs: T0 + 3_900_000 });
  });
});

describe('a heartbeat with a cron schedule in a time zone', () => {
  it.each([
    // 03:00 in Berlin is 02:00 UTC in winter (CET) and 01:00 UTC in summer (CEST).
    ['in winter', '2026-12-03T02:00:10Z', '2026-12-04T02:30:00.000Z'],
    ['in summer', '2026-07-01T01:00:10Z', '2026-07-02T01:30:00.000Z'],
    ['across the change to summer time (29 March 2026)', '2026-03-28T02:00:10Z', '2026-03-29T01:30:00.000Z'],
    ['across the change to winter time (25 October 2026)', '2026-10-24T01:00:10Z', '2026-10-25T02:30:00.000Z'],
  ])('the deadline after a run %s is the next 03:00 Berlin time plus grace', (_name, lastSuccess, deadline) => {
    expect(new Date(deadlineOf(nightlyBerlin, { down: false, sinceMs: 0, lastSuccessMs: at(lastSuccess) })!).toISOString()).toBe(deadline);
  });

  it.each<[string, string, 'down' | undefined]>([
    ['on time, within grace of 03:00', '2026-12-04T02:29:59Z', undefined],
    ['late, past 03:00 plus grace', '2026-12-04T02:30:01Z', 'down'],
  ])('%s', (_name, now, to) => {
    expect(decideHeartbeat(nightlyBerlin, { down: false, sinceMs: 0, lastSuccessMs: at('2026-12-03T02:00:10Z') }, tick(at(now))).move?.to).toBe(to);
  });

  it('counts the first deadline from when the check was first seen', () => {
    expect(new Date(deadlineOf(nightlyBerlin, { down: false, sinceMs: at('2026-12-03T12:00:00Z') })!).toISOString()).toBe('2026-12-04T02:30:00.000Z');
  });
});
