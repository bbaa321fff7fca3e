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
 */

/** paused: set by the evaluator for a check with `paused: true`; the machine itself never enters it. */
export type CheckStatus = 'unknown' | 'up' | 'pending' | 'down' | 'paused';

export interface CheckState {
  status: CheckStatus;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  /** Scheduled time of the last result applied; older or repeated ticks are ignored. */
  lastTick: number;
  /** Scheduled time of the first failure of the current failing streak (the alert's startsAt). */
  failingSince?: number;
  lastMessage?: string;
}

export interface Observation {
  ok: boolean;
  scheduledAt: number;
  message?: string;
}

export interface Thresholds {
  failureThreshold: number;
  successThreshold: number;
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
  return observation.ok ? onSuccess(state, observation, thresholds) : onFailure(state, observation, thresholds);
}

function onSuccess(state: CheckState, observation: Observation, { successThreshold }: Thresholds): Step {
  const successes = state.consecutiveSuccesses + 1;
  const base = { consecutiveFailures: 0, consecutiveSuccesses: successes, lastTick: observation.scheduledAt };
  if (state.status !== 'down') return { state: { ...base, status: 'up' }, ignored: false };
  if (successes < successThreshold) {
    return { state: { ...base, status: 'down', ...keep(state) }, ignored: false };
  }
  const startsAt = state.failingSince ?? observation.scheduledAt;
  return {
    state: { ...base, status: 'up' },
    transition: { kind: 'recovered', startsAt, endsAt: observation.scheduledAt },
    ignored: false,
  };
}

function onFailure(state: CheckState, observation: Observation, { failureThreshold }: Thresholds): Step {
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
  if (failures < failureThreshold) return { state: { ...next, status: 'pending' }, ignored: false };
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
