import { describe, expect, it } from 'vitest';
import { parseConfig, type CheckConfig } from '../../../libs/config/index.js';
import type { AlertEvent, ProbeResult } from '../../../libs/queues/index.js';
import { applyResults } from '../../../services/evaluator/apply.js';
import type { StoredState } from '../../../services/evaluator/stored-state.js';

const MINUTE = 60_000;
const checks = new Map<string, CheckConfig>(parseConfig(`
checks:
  - { id: api, type: tcp, host: 127.0.0.1, port: 1, failureThreshold: 1, flapping: { changes: 2, within: 10m, settle: 2m } }
`).checks.map((check) => [check.id, check]));

/** Runs a sequence of '+' (ok) and '-' (failed) results, one a minute, and returns what was notified. */
function notifiedFor(sequence: string): AlertEvent[] {
  let states = new Map<string, StoredState>();
  const events: AlertEvent[] = [];
  [...sequence].forEach((mark, index) => {
    const scheduledAt = (index + 1) * MINUTE;
    const item: ProbeResult = {
      checkId: 'api', checkType: 'tcp', region: 'default', scheduledAt, startedAt: scheduledAt, ok: mark === '+', timings: { totalMs: 1 }, workerId: 'w',
      ...(mark === '-' ? { message: 'refused' } : {}),
    };
    for (const change of applyResults([item], checks, states).changes) {
      states = new Map(states).set(change.subject, change.after);
      events.push(...change.raised.filter((raised) => raised.notify).map((raised) => raised.event));
    }
  });
  return events;
}

describe('flapping holds CheckDown notifications', () => {
  it('notifies the changes up to the limit, then holds the rest while the check flaps', () => {
    expect(notifiedFor('-+-+-+').map((event) => event.status)).toEqual(['firing', 'resolved']);
  });

  it('sends one firing notice saying what happened when the check settles down', () => {
    const events = notifiedFor('-+-+----');
    expect(events.map((event) => event.status)).toEqual(['firing', 'resolved', 'firing']);
    expect(events[2]!.annotations.flapping).toMatch(/^flapped 3 times between .* now down$/);
  });

  it('sends one resolved notice saying what happened when the check settles up', () => {
    const events = notifiedFor('-+-+-+++');
    expect(events.map((event) => event.status)).toEqual(['firing', 'resolved', 'resolved']);
    expect(events[2]!.annotations.flapping).toMatch(/now up$/);
  });

  it('sends the settled notice once, however long the check stays settled', () => {
    expect(notifiedFor('-+-+-++++++++').filter((event) => event.annotations.flapping !== undefined)).toHaveLength(1);
  });

  it('notifies every change of a check that changes no more often than the limit', () => {
    // One change every 6 minutes: never more than 2 within 10 minutes.
    const events = notifiedFor('------++++++------');
    expect(events.map((event) => event.status)).toEqual(['firing', 'resolved', 'firing']);
  });
});
