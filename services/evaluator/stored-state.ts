import type { FiringAlert } from './alert-events.js';
import type { FlappingState } from './rules/flapping.js';
import type { MeasuredRuleName } from './rules/measured-rule.js';
import type { CheckState, CheckStatus } from './state-machine.js';

/**
 * What the evaluator stores per subject (REDIS_KEYS.checkState): the state machine's state,
 * every alert it has told receivers is firing (so each resolves with the labels it fired
 * with), and what the rules remember between results. Plain JSON. A subject is a check in a
 * region ("<check>@<region>"), or a check's quorum over its regions ("<check>@*").
 */
export interface StoredState extends CheckState {
  /** The CheckDown alert as last queued for notification; absent when none is firing. */
  firing?: FiringAlert;
  /** While the check flaps, CheckDown notifications are held (rules/flapping.ts). */
  flapping?: FlappingState;
  /** The NoData alert, firing while the subject produces no results. */
  noData?: FiringAlert;
  /** Alerts of the rules on measured values, by rule, as last queued. */
  ruleAlerts?: Partial<Record<MeasuredRuleName, FiringAlert>>;
  /** What each of those rules keeps between results (samples, streaks). */
  memory?: Partial<Record<MeasuredRuleName, unknown>>;
  /**
   * Epoch ms since when the evaluator has expected results: set on a state created before any
   * result came (by the NoData sweeper), so a check that never reports is found too.
   */
  sinceMs?: number;
  /** Set while the notifier holds the check in a maintenance window (REDIS_KEYS.maintenance). */
  maintenance?: true;
  /** Quorum subjects only: the regions seeing the check down. */
  failingRegions?: string[];
  /** Heartbeat subjects only ("<check>@heartbeat"): services/evaluator/heartbeats. */
  heartbeat?: { lastSuccessMs?: number; runningSinceMs?: number };
}

/**
 * The status people see and the history records: maintenance over everything, then "unknown"
 * while no results come (time without data is never reported as up), else the machine's.
 */
export function shownStatus(state: StoredState): CheckStatus {
  if (state.maintenance) return 'maintenance';
  if (state.noData) return 'unknown';
  return state.status;
}

/** Every alert a state has queued as firing: what must resolve when the subject goes. */
export function firingAlertsOf(state: StoredState): FiringAlert[] {
  return [state.firing, state.noData, ...Object.values(state.ruleAlerts ?? {})].filter((alert): alert is FiringAlert => alert !== undefined);
}
