import { describe, expect, it } from 'vitest';
import type { Acknowledgement } from '../../../../libs/alerts/index.js';
import type { WatchObservation } from '../../../../libs/queues/index.js';
import { applyWatchBatch, sweepWatchState } from '../../../../services/evaluator/watches/apply-watch.js';
import type { WatchState } from '../../../../services/evaluator/watches/watch-state.js';
import { batchOf, HOST, watchOf } from './support.js';

const MINUTE = 60_000;
const change: WatchObservation = { kind: 'event', event: 'change', path: '/srv/app.conf', atMs: 10_000 };

function firingState(watchFields: string, ...observations: WatchObservation[]): WatchState {
  return applyWatchBatch(undefined, batchOf(...observations), watchOf(watchFields), Math.max(...observations.map((observation) => observation.atMs))).after;
}

const resolvedBy = (step: ReturnType<typeof sweepWatchState>) => step.raised.filter((raised) => raised.notify).map(({ event }) => `${event.labels.alertname}:${event.status}:${event.annotations.resolved_reason ?? ''}`);

describe('sweeping watch states', () => {
  it.each([
    { name: 'before resolveAfter', nowMs: 10_000 + 4 * MINUTE, expected: [] },
    { name: 'once resolveAfter has passed', nowMs: 10_000 + 5 * MINUTE, expected: ['FileChanged:resolved:expired'] },
  ])('FileChanged with resolveAfter 5m, $name', ({ nowMs, expected }) => {
    const state = firingState('resolveAfter: 5m', change);
    expect(resolvedBy(sweepWatchState(state, watchOf('resolveAfter: 5m'), HOST, nowMs, new Map()))).toEqual(expected);
  });

  it('resolves FileChanged once acknowledged, and only the outage acknowledged', () => {
    const state = firingState('', change);
    const alert = state.paths['/srv/app.conf']!.alerts!['file-change']!;
    const ack = (startsAt: string): Map<string, Acknowledgement> => new Map([[alert.fingerprint, { fingerprint: alert.fingerprint, startsAt, by: 'ana', comment: '', at: new Date(20_000).toISOString() }]]);
    expect(resolvedBy(sweepWatchState(state, watchOf(), HOST, 20_000, ack(new Date(alert.startsAt).toISOString())))).toEqual(['FileChanged:resolved:acknowledged']);
    expect(resolvedBy(sweepWatchState(state, watchOf(), HOST, 20_000, ack(new Date(1).toISOString())))).toEqual([]);
  });

  it('shows the subject down while an alert fires and up once it resolved', () => {
    const state = firingState('resolveAfter: 5m', change);
    expect(sweepWatchState(state, watchOf('resolveAfter: 5m'), HOST, 10_000 + 5 * MINUTE, new Map()).transitions).toEqual([expect.objectContaining({ from: 'down', to: 'up' })]);
  });

  it('finds a file gone stale with no observation', () => {
    const state = firingState('maxAge: 1h', { kind: 'stat', path: '/srv/backup.tar', atMs: 10_000, exists: true, mtimeMs: 10_000 });
    expect(resolvedBy(sweepWatchState(state, watchOf('maxAge: 1h'), HOST, 10_000 + 59 * MINUTE, new Map()))).toEqual([]);
    const stale = sweepWatchState(state, watchOf('maxAge: 1h'), HOST, 10_000 + 61 * MINUTE, new Map());
    expect(resolvedBy(stale)).toEqual(['FileStale:firing:']);
    expect(stale.raised[0]!.event.startsAt).toBe(new Date(10_000 + 60 * MINUTE).toISOString());
  });

  it('resolves a log alert once its matches have left the window', () => {
    const fields = 'match: ERROR, threshold: { count: 2, within: 1m }';
    const state = firingState(fields, { kind: 'lines', path: '/srv/app.log', atMs: 10_000, read: 2, matched: 2, samples: ['ERROR a', 'ERROR b'], truncated: 0 });
    expect(resolvedBy(sweepWatchState(state, watchOf(fields), HOST, 10_000 + MINUTE / 2, new Map()))).toEqual([]);
    const decayed = sweepWatchState(state, watchOf(fields), HOST, 10_000 + 2 * MINUTE, new Map());
    expect(resolvedBy(decayed)).toEqual(['LogPatternMatched:resolved:']);
    expect(decayed.after!.paths).toEqual({});
  });

  it('resolves every alert of a removed watch as removed and drops its state', () => {
    const state = firingState('mustExist: true, on: [change]', change, { kind: 'stat', path: '/srv/other', atMs: 10_001, exists: false });
    const step = sweepWatchState(state, undefined, HOST, 20_000, new Map());
    expect(resolvedBy(step).sort()).toEqual(['FileChanged:resolved:removed', 'FileMissing:resolved:removed']);
    expect(step.after).toBeUndefined();
  });

  it.each([
    { name: 'labels changed', now: 'labels: { team: b }', reason: 'relabelled' },
    { name: 'rule was taken out (a content watch reports no changes)', now: 'labels: { team: a }, maxAge: 1h', reason: 'rule-removed' },
  ])('resolves an alert whose $name', ({ now, reason }) => {
    const state = firingState('labels: { team: a }', change);
    expect(resolvedBy(sweepWatchState(state, watchOf(now), HOST, 20_000, new Map()))).toEqual([`FileChanged:resolved:${reason}`]);
  });

  it('leaves removed and relabelled watches to the reconciling sweeps, which compare the configuration', () => {
    const state = firingState('labels: { team: a }', change);
    expect(sweepWatchState(state, undefined, HOST, 20_000, new Map(), { reconcile: false })).toEqual({ after: state, raised: [], transitions: [] });
    expect(sweepWatchState(state, watchOf('labels: { team: b }'), HOST, 20_000, new Map(), { reconcile: false }).raised).toEqual([]);
  });

  it('changes nothing when nothing is due', () => {
    const state = firingState('', change);
    const step = sweepWatchState(state, watchOf(), HOST, 20_000, new Map());
    expect(step.raised).toEqual([]);
    expect(step.after).toEqual(state);
  });
});
