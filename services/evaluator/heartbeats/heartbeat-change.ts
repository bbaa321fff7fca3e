/**
 * A heartbeat decision (decide.ts) as a Change of the check's one subject, "<check>@heartbeat",
 * pure: its state, the CheckDown alert fired or resolved, the status change for the history.
 * evaluate.ts's updateStates commits it like a probe result's, so the alert store, the outbox,
 * the notifier and reconcile (a removed heartbeat check is deleted and resolved) work unchanged.
 */
import { checkInRegion } from '../../../libs/check-registry.js';
import { HEARTBEAT_REGION, type HeartbeatCheckConfig } from '../../../libs/config/index.js';
import { CHECK_DOWN, alertIdentityOf, checkAnnotations, eventOf, summaryOf } from '../alert-events.js';
import { statusChange, type Change } from '../apply.js';
import { DOWN_RULE } from '../down-alert.js';
import type { RaisedAlert } from '../rule-alerts.js';
import { INITIAL_STATE } from '../state-machine.js';
import type { StoredState } from '../stored-state.js';
import { decideHeartbeat, type HeartbeatInput, type HeartbeatView } from './decide.js';

export const heartbeatSubject = (checkId: string): string => checkInRegion(checkId, HEARTBEAT_REGION);

function viewOf(state: StoredState, nowMs: number): HeartbeatView {
  return {
    down: state.status === 'down',
    sinceMs: state.sinceMs ?? nowMs,
    ...(state.heartbeat?.lastSuccessMs === undefined ? {} : { lastSuccessMs: state.heartbeat.lastSuccessMs }),
    ...(state.heartbeat?.runningSinceMs === undefined ? {} : { runningSinceMs: state.heartbeat.runningSinceMs }),
  };
}

/** What `input` does to the check's stored state; undefined when nothing would change (most sweeps). */
export function heartbeatChange(check: HeartbeatCheckConfig, state: StoredState | undefined, input: HeartbeatInput, nowMs: number): Change | undefined {
  // Paused: reconcile shows it paused and has resolved its alerts; pings and time do nothing.
  if (check.paused) return undefined;
  const before: StoredState = state ?? INITIAL_STATE;
  const { view, move } = decideHeartbeat(check, viewOf(before, nowMs), input);
  const { heartbeat: _heartbeat, failingSince: _failingSince, lastMessage: _lastMessage, firing: _firing, ...kept } = before;
  const heartbeat = {
    ...(view.lastSuccessMs === undefined ? {} : { lastSuccessMs: view.lastSuccessMs }),
    ...(view.runningSinceMs === undefined ? {} : { runningSinceMs: view.runningSinceMs }),
  };
  const raised: RaisedAlert[] = [];
  let after: StoredState = {
    ...kept,
    status: view.down ? 'down' : view.lastSuccessMs === undefined ? 'unknown' : 'up',
    sinceMs: view.sinceMs,
    lastTick: input.kind === 'tick' ? before.lastTick : Math.max(before.lastTick, input.atMs),
    consecutiveFailures: view.down ? Math.max(1, before.consecutiveFailures) : 0,
    consecutiveSuccesses: view.down ? 0 : before.consecutiveSuccesses + (input.kind === 'success' ? 1 : 0),
    ...(Object.keys(heartbeat).length === 0 ? {} : { heartbeat }),
  };
  if (view.down) {
    after = { ...after, ...(before.failingSince === undefined ? {} : { failingSince: before.failingSince }), ...(before.lastMessage === undefined ? {} : { lastMessage: before.lastMessage }), ...(before.firing ? { firing: before.firing } : {}) };
  }
  const summary = summaryOf(CHECK_DOWN, check.id);
  if (move?.to === 'down') {
    const identity = alertIdentityOf(check, HEARTBEAT_REGION, move.failingSinceMs);
    after = { ...after, failingSince: move.failingSinceMs, lastMessage: move.reason, firing: identity };
    raised.push({ event: eventOf(identity, 'firing', checkAnnotations(check, summary, move.reason)), rule: DOWN_RULE, value: move.reason, notify: true });
  } else if (move?.to === 'up' && before.firing) {
    raised.push({ event: eventOf(before.firing, 'resolved', checkAnnotations(check, summary, move.reason), input.atMs), rule: DOWN_RULE, notify: true });
  }
  if (state !== undefined && raised.length === 0 && JSON.stringify(after) === JSON.stringify(before)) return undefined;
  const reason = move?.reason ?? (input.kind === 'tick' ? 'heartbeat first seen' : `pinged ${input.kind}`);
  return { subject: heartbeatSubject(check.id), region: HEARTBEAT_REGION, check, before, after, raised, transitions: statusChange(before, after, input.atMs, reason) };
}
