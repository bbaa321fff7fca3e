import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../../libs/queues/index.js';
import { escalationEligible, nextEscalationAtMs, planChannelMessage, type ChannelPlanInput, type Mute, type ToldRecord } from '../../../services/notifier/group-plan.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const STARTS = '2026-03-01T11:00:00.000Z';

function alert(fp: string, status: AlertEvent['status'] = 'firing', labels: Record<string, string> = {}, startsAt = STARTS): AlertEvent {
  return { fingerprint: fp, status, labels: { alertname: 'CheckDown', check: fp, ...labels }, annotations: {}, startsAt, ...(status === 'resolved' ? { endsAt: '2026-03-01T11:55:00.000Z' } : {}) };
}

const told = (status: AlertEvent['status'], startsAt = STARTS, severity?: string): ToldRecord => ({ status, startsAt, ...(severity === undefined ? {} : { severity }) });

function plan(fields: Partial<ChannelPlanInput> & Pick<ChannelPlanInput, 'alerts'>) {
  return planChannelMessage({ told: new Map(), nowMs: NOW, repeatIntervalMs: 3_600_000, sendResolved: true, muted: new Map(), acknowledged: new Set(), ...fields });
}

const fingerprints = (result: ReturnType<typeof plan>) => (result.send ? `${result.reason}: ${result.alerts.map((a) => `${a.fingerprint}=${a.status}`).join(' ')}` : 'nothing');

const silenced: Mute = { reason: 'silenced', notifyResolved: false };
const silencedButResolves: Mute = { reason: 'silenced', notifyResolved: true };
const inhibited: Mute = { reason: 'inhibited', notifyResolved: true };

describe('what a group tells a channel at a flush', () => {
  it.each<{ name: string; input: Partial<ChannelPlanInput> & Pick<ChannelPlanInput, 'alerts'>; expected: string }>([
    { name: 'a new firing alert', input: { alerts: [alert('a')] }, expected: 'new: a=firing' },
    { name: 'nothing when the channel knows every alert as it is', input: { alerts: [alert('a')], told: new Map([['a', told('firing')]]), lastNotifiedAtMs: NOW - 60_000 }, expected: 'nothing' },
    { name: 'the whole group when one alert is new', input: { alerts: [alert('a'), alert('b')], told: new Map([['a', told('firing')]]) }, expected: 'new: a=firing b=firing' },
    { name: 'a new outage of an alert it was told about', input: { alerts: [alert('a', 'firing', {}, '2026-03-01T11:30:00.000Z')], told: new Map([['a', told('firing')]]) }, expected: 'new: a=firing' },
    { name: 'a new severity of the same outage', input: { alerts: [alert('a', 'firing', { severity: 'critical' })], told: new Map([['a', told('firing', STARTS, 'warning')]]) }, expected: 'new: a=firing' },
    { name: 'a resolved alert it was told was firing', input: { alerts: [alert('a', 'resolved')], told: new Map([['a', told('firing')]]) }, expected: 'resolved: a=resolved' },
    { name: 'nothing for a resolved alert it never heard of', input: { alerts: [alert('a', 'resolved')] }, expected: 'nothing' },
    { name: 'nothing for a resolved alert already sent as resolved', input: { alerts: [alert('a', 'resolved')], told: new Map([['a', told('resolved')]]) }, expected: 'nothing' },
    { name: 'nothing resolved when the route does not send resolved', input: { alerts: [alert('a', 'resolved')], told: new Map([['a', told('firing')]]), sendResolved: false }, expected: 'nothing' },
    { name: 'the firing ones with a resolved one', input: { alerts: [alert('a'), alert('b', 'resolved')], told: new Map([['a', told('firing')], ['b', told('firing')]]) }, expected: 'resolved: a=firing b=resolved' },
    { name: 'nothing for a silenced firing alert', input: { alerts: [alert('a')], muted: new Map([['a', silenced]]) }, expected: 'nothing' },
    { name: 'a group message without its silenced alert', input: { alerts: [alert('a'), alert('b')], muted: new Map([['a', silenced]]) }, expected: 'new: b=firing' },
    { name: 'no resolved notice for an alert silenced without notifyResolved', input: { alerts: [alert('a', 'resolved')], told: new Map([['a', told('firing')]]), muted: new Map([['a', silenced]]) }, expected: 'nothing' },
    { name: 'the resolved notice of an alert silenced with notifyResolved', input: { alerts: [alert('a', 'resolved')], told: new Map([['a', told('firing')]]), muted: new Map([['a', silencedButResolves]]) }, expected: 'resolved: a=resolved' },
    { name: 'the resolved notice of an inhibited alert that was told firing', input: { alerts: [alert('a', 'resolved')], told: new Map([['a', told('firing')]]), muted: new Map([['a', inhibited]]) }, expected: 'resolved: a=resolved' },
    { name: 'a repeat after repeatInterval', input: { alerts: [alert('a')], told: new Map([['a', told('firing')]]), lastNotifiedAtMs: NOW - 3_600_000 }, expected: 'repeat: a=firing' },
    { name: 'no repeat before repeatInterval', input: { alerts: [alert('a')], told: new Map([['a', told('firing')]]), lastNotifiedAtMs: NOW - 3_599_999 }, expected: 'nothing' },
    { name: 'no repeat when every firing alert is acknowledged', input: { alerts: [alert('a')], told: new Map([['a', told('firing')]]), lastNotifiedAtMs: NOW - 7_200_000, acknowledged: new Set(['a']) }, expected: 'nothing' },
    { name: 'a repeat with the acknowledged ones when another is not', input: { alerts: [alert('a'), alert('b')], told: new Map([['a', told('firing')], ['b', told('firing')]]), lastNotifiedAtMs: NOW - 7_200_000, acknowledged: new Set(['a']) }, expected: 'repeat: a=firing b=firing' },
    { name: 'no repeat of a group whose alerts are all muted', input: { alerts: [alert('a')], told: new Map([['a', told('firing')]]), lastNotifiedAtMs: NOW - 7_200_000, muted: new Map([['a', inhibited]]) }, expected: 'nothing' },
  ])('$name', ({ input, expected }) => {
    expect(fingerprints(plan(input))).toBe(expected);
  });
});

describe('escalation', () => {
  const old = alert('old', 'firing', {}, new Date(NOW - 20 * 60_000).toISOString());
  const fresh = alert('fresh', 'firing', {}, new Date(NOW - 5 * 60_000).toISOString());

  it.each([
    { name: 'an alert unacknowledged for its delay', target: old, acknowledged: [], eligible: true },
    { name: 'not an alert younger than the delay', target: fresh, acknowledged: [], eligible: false },
    { name: 'not an acknowledged alert', target: old, acknowledged: ['old'], eligible: false },
  ])('reaches $name', ({ target, acknowledged, eligible }) => {
    expect(escalationEligible(15 * 60_000, NOW, new Set(acknowledged))(target)).toBe(eligible);
  });

  it('tells an escalation channel only about the alerts old enough', () => {
    const result = plan({ alerts: [old, fresh], eligible: escalationEligible(15 * 60_000, NOW, new Set()) });
    expect(fingerprints(result)).toBe('new: old=firing');
  });

  it('knows when the next escalation falls due, skipping acknowledged and past ones', () => {
    expect(nextEscalationAtMs([old, fresh], [15 * 60_000], NOW, new Set())).toBe(NOW + 10 * 60_000);
    expect(nextEscalationAtMs([old, fresh], [15 * 60_000], NOW, new Set(['fresh']))).toBeUndefined();
  });
});
