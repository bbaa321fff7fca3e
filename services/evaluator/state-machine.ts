/**
 * The per-check state machine, pure: (state, result, thresholds) → (new state, transition).
 *
 *   unknown ──ok──▶ up ◀──────ok────── pending
 *      │            │                    ▲ │
 *      └──fail──────┴──fail (< failureThreshold in a row)─┘ │
 *                                           fail (= failureThreshold in a row)
 *                                                          ▼
 *   up ◀── ok (successThreshold in a row) ── down ──fail──▶ down
 *
 * An alert fires on entering down and resolves on leaving it; nothing else notifies.
 *
 * With an X-of-Y rule (`xOfY`), X failures among the last Y results also go down, in a row or
 * not, and down is left only once the last Y hold fewer than X failures and the successes in a
 * row reach successThreshold: a check failing every other probe stays down.
 */
import { isDownXOfY, recordOutcome, type XOfYRule } from './rules/x-of-y.js';


/**
 * paused: set by the evaluator for a check with `paused: true`; maintenance: shown while the
 * notifier holds the check in a maintenance window. The machine itself never enters either.
 */
export type CheckStatus = 'unknown' | 'up' | 'pending' | 'down' | 'paused' | 'maintenance';

export interface CheckState {
  status: CheckStatus;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  /** Scheduled time of the last result applied; older or repeated ticks are ignored. */
  lastTick: number;
  /** Scheduled time of the first failure of the current failing streak (the alert's startsAt). */
  failingSince?: number;
  lastMessage?: string;
  /** X of Y: the last Y outcomes, oldest first ('1' failed); only with an xOfY rule. */
  outcomes?: string;
}

export interface Observation {
  ok: boolean;
  scheduledAt: number;
  message?: string;
}

export interface Thresholds {
  failureThreshold: number;
  successThreshold: number;
  xOfY?: XOfYRule;
}

export type Transition =
  | { kind: 'down'; startsAt: number; message?: string }
  | { kind: 'recovered'; startsAt: number; endsAt: number };

export interface Step {
  state: CheckState;
  transition?: Transition;
  /** True when the observation was a duplicate or out of order and changed nothing. */
  ignored: boolean;
}

export const INITIAL_STATE: CheckState = { status: 'unknown', consecutiveFailures: 0, consecutiveSuccesses: 0, lastTick: 0 };

export function step(state: CheckState, observation: Observation, thresholds: Thresholds): Step {
  if (observation.scheduledAt <= state.lastTick) return { state, ignored: true };
  const outcomes = thresholds.xOfY ? recordOutcome(state.outcomes ?? '', !observation.ok, thresholds.xOfY.of) : undefined;
  const next = observation.ok ? onSuccess(state, observation, thresholds, outcomes) : onFailure(state, observation, thresholds, outcomes);
  return outcomes === undefined ? next : { ...next, state: { ...next.state, outcomes } };
}

function onSuccess(state: CheckState, observation: Observation, { successThreshold, xOfY }: Thresholds, outcomes: string | undefined): Step {
  const successes = state.consecutiveSuccesses + 1;
  const base = { consecutiveFailures: 0, consecutiveSuccesses: successes, lastTick: observation.scheduledAt };
  if (state.status !== 'down') return { state: { ...base, status: 'up' }, ignored: false };
  if (successes < successThreshold || (xOfY !== undefined && isDownXOfY(outcomes!, xOfY))) {
    return { state: { ...base, status: 'down', ...keep(state) }, ignored: false };
  }
  const startsAt = state.failingSince ?? observation.scheduledAt;
  return {
    state: { ...base, status: 'up' },
    transition: { kind: 'recovered', startsAt, endsAt: observation.scheduledAt },
    ignored: false,
  };
}

function onFailure(state: CheckState, observation: Observation, { failureThreshold, xOfY }: Thresholds, outcomes: string | undefined): Step {
  const failures = state.consecutiveFailures + 1;
  const failingSince = state.consecutiveFailures === 0 && state.status !== 'down' ? observation.scheduledAt : state.failingSince ?? observation.scheduledAt;
  const next: CheckState = {
    status: state.status,
    consecutiveFailures: failures,
    consecutiveSuccesses: 0,
    lastTick: observation.scheduledAt,
    failingSince,
    ...(observation.message === undefined ? {} : { lastMessage: observation.message }),
  };
  if (state.status === 'down') return { state: next, ignored: false };
  const downByXOfY = xOfY !== undefined && isDownXOfY(outcomes!, xOfY);
  if (failures < failureThreshold && !downByXOfY) return { state: { ...next, status: 'pending' }, ignored: false };
  return {
    state: { ...next, status: 'down' },
    transition: { kind: 'down', startsAt: failingSince, ...(observation.message === undefined ? {} : { message: observation.message }) },
    ignored: false,
  };
}

function keep(state: CheckState): Partial<CheckState> {
  return {
    ...(state.failingSince === undefined ? {} : { failingSince: state.failingSince }),
    ...(state.lastMessage === undefined ? {} : { lastMessage: state.lastMessage }),
  };
}
