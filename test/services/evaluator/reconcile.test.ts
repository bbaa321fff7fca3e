import { describe, expect, it } from 'vitest';
import { parseConfig, type CheckConfig } from '../../../libs/config/index.js';
import type { ProbeResult } from '../../../libs/queues/index.js';
import { alertIdentityOf } from '../../../services/evaluator/alert-events.js';
import { applyResults, type Change } from '../../../services/evaluator/apply.js';
import type { StoredState } from '../../../services/evaluator/stored-state.js';
import { parseSubject, reconcileSubject } from '../../../services/evaluator/reconcile.js';

function checksOf(yaml: string): Map<string, CheckConfig> {
  return new Map(parseConfig(yaml).checks.map((check) => [check.id, check]));
}

const original = checksOf(`
checks:
  - { id: api, type: tcp, host: 127.0.0.1, port: 1, failureThreshold: 1, labels: { team: core } }
`);
const firedAs = alertIdentityOf(original.get('api')!, 'default', 1_000);
const down: StoredState = { status: 'down', consecutiveFailures: 3, consecutiveSuccesses: 0, lastTick: 5_000, failingSince: 1_000, firing: firedAs };
const pending: StoredState = { status: 'pending', consecutiveFailures: 1, consecutiveSuccesses: 0, lastTick: 5_000, failingSince: 5_000 };

describe('reconciling stored states with the configuration', () => {
  it('reads check and region from a subject', () => {
    expect(parseSubject('shop-api@eu-west')).toEqual({ checkId: 'shop-api', region: 'eu-west' });
  });

  it('keeps the state of a check that is unchanged', () => {
    expect(reconcileSubject('api@default', down, original, 9_000)).toEqual({ kind: 'keep' });
  });

  it('resolves the firing alert of a removed check, saying it was removed, with the labels it fired with', () => {
    const verdict = reconcileSubject('api@default', down, checksOf('checks: []'), 9_000);
    expect(verdict).toMatchObject({
      kind: 'delete',
      events: [{
        status: 'resolved', fingerprint: firedAs.fingerprint, labels: firedAs.labels,
        startsAt: new Date(1_000).toISOString(), endsAt: new Date(9_000).toISOString(),
        annotations: { resolved_reason: 'removed' },
      }],
    });
    expect(verdict.kind === 'delete' && verdict.events[0]?.annotations.description).toMatch(/removed from the configuration/);
  });

  it('deletes the state of a removed check that was not firing, without an alert', () => {
    expect(reconcileSubject('api@default', pending, checksOf('checks: []'), 9_000)).toEqual({ kind: 'delete', events: [] });
  });

  it('treats a region the check is no longer probed from as removed', () => {
    const moved = checksOf(`
checks:
  - { id: api, type: tcp, host: 127.0.0.1, port: 1, failureThreshold: 1, labels: { team: core }, regions: [eu, us] }
`);
    expect(reconcileSubject('api@default', down, moved, 9_000)).toMatchObject({ kind: 'delete', events: [{ fingerprint: firedAs.fingerprint, status: 'resolved' }] });
    expect(reconcileSubject('api@eu', pending, moved, 9_000)).toEqual({ kind: 'keep' });
  });

  it('resolves the alert and starts over when the labels of a firing check change', () => {
    const relabelled = checksOf(`
checks:
  - { id: api, type: tcp, host: 127.0.0.1, port: 1, failureThreshold: 1, labels: { team: platform } }
`);
    const verdict = reconcileSubject('api@default', down, relabelled, 9_000);
    expect(verdict).toMatchObject({ kind: 'reset', state: { status: 'unknown', lastTick: 5_000 }, events: [{ fingerprint: firedAs.fingerprint, annotations: { resolved_reason: 'relabelled' } }] });
    expect(verdict.kind === 'reset' && verdict.state.firing).toBeUndefined();
  });

  const paused = checksOf(`
checks:
  - { id: api, type: tcp, host: 127.0.0.1, port: 1, failureThreshold: 1, labels: { team: core }, paused: true }
`);

  it('resolves the alert of a check that was paused, and shows it as paused', () => {
    expect(reconcileSubject('api@default', down, paused, 9_000)).toMatchObject({
      kind: 'reset', state: { status: 'paused', lastTick: 5_000 }, events: [{ status: 'resolved', fingerprint: firedAs.fingerprint, annotations: { resolved_reason: 'paused' } }],
    });
  });

  it('keeps a paused check paused while it stays paused', () => {
    const pausedState: StoredState = { status: 'paused', consecutiveFailures: 0, consecutiveSuccesses: 0, lastTick: 5_000 };
    expect(reconcileSubject('api@default', pausedState, paused, 9_000)).toEqual({ kind: 'keep' });
  });

  it('starts a resumed check over from unknown', () => {
    const pausedState: StoredState = { status: 'paused', consecutiveFailures: 0, consecutiveSuccesses: 0, lastTick: 5_000 };
    expect(reconcileSubject('api@default', pausedState, original, 9_000)).toMatchObject({ kind: 'reset', state: { status: 'unknown', lastTick: 5_000 }, reason: 'check resumed' });
  });
});

const result = (scheduledAt: number, ok: boolean, region = 'default'): ProbeResult => ({
  checkId: 'api', checkType: 'tcp', region, scheduledAt, startedAt: scheduledAt, ok, timings: { totalMs: 1 }, workerId: 'w',
  ...(ok ? {} : { errorClass: 'refused' as const, message: 'refused' }),
});

/** The events a change queues for notification. */
function notified(change: Change) {
  return change.raised.filter((raised) => raised.notify).map((raised) => raised.event);
}

describe('applying results to alert identities', () => {
  it('remembers the identity an alert fired with', () => {
    const { changes } = applyResults([result(1_000, false)], original, new Map());
    expect(changes[0]!.after.firing).toEqual(firedAs);
    expect(notified(changes[0]!)).toMatchObject([{ status: 'firing', fingerprint: firedAs.fingerprint }]);
  });

  it('resolves a recovered alert with the labels it fired with', () => {
    const { changes } = applyResults([result(6_000, true)], original, new Map([['api@default', down]]));
    expect(notified(changes[0]!)).toMatchObject([{ status: 'resolved', fingerprint: firedAs.fingerprint, labels: firedAs.labels }]);
    expect(changes[0]!.after.firing).toBeUndefined();
  });

  it('resolves the old alert and fires a new one when a still failing check was relabelled', () => {
    const relabelled = checksOf(`
checks:
  - { id: api, type: tcp, host: 127.0.0.1, port: 1, failureThreshold: 1, labels: { team: platform } }
`);
    const { changes } = applyResults([result(6_000, false)], relabelled, new Map([['api@default', down]]));
    const [retired, fresh] = notified(changes[0]!);
    expect(retired).toMatchObject({ status: 'resolved', fingerprint: firedAs.fingerprint, annotations: { resolved_reason: 'relabelled' } });
    expect(fresh).toMatchObject({ status: 'firing', labels: { team: 'platform' }, startsAt: new Date(6_000).toISOString() });
    expect(fresh!.fingerprint).not.toBe(firedAs.fingerprint);
  });

  it('only measures a result of a paused check, probed before the pause took effect', () => {
    const paused = checksOf(`
checks:
  - { id: api, type: tcp, host: 127.0.0.1, port: 1, failureThreshold: 1, paused: true }
`);
    const { changes, points } = applyResults([result(6_000, false)], paused, new Map([['api@default', down]]));
    expect(changes).toEqual([]);
    expect(points[0]).toContain('state="paused"');
  });

  it('only measures a result from a region the check is not probed from', () => {
    const { changes, points } = applyResults([result(6_000, false, 'eu')], original, new Map());
    expect(changes).toEqual([]);
    expect(points).toHaveLength(1);
    expect(points[0]).toContain('state="unknown"');
  });
});
