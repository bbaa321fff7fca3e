/**
 * The CheckDown alert of one subject (a check in a region, or a check's quorum over its regions),
 * pure: what receivers were last told (`firing`) is brought in line with whether the subject is
 * down, unless flapping holds notifications. With a flapping rule every down and recovery is
 * counted; past the rule's limit they are held, and when the check settles one event tells
 * receivers where it ended up and what happened meanwhile.
 */
import type { FlappingRule, FlappingState, FlappingSummary } from './rules/flapping.js';
import { INITIAL_FLAPPING_STATE, isFlapping, recordChange, settled } from './rules/flapping.js';
import { eventOf, type FiringAlert } from './alert-events.js';
import type { RaisedAlert } from './rule-alerts.js';
import type { Transition } from './state-machine.js';

export const DOWN_RULE = 'down';

export interface DownAlertInput {
  firing?: FiringAlert;
  flapping?: FlappingState;
  /** The machine's (or the quorum's) transition on this observation, if any. */
  transition?: Transition;
  isDown: boolean;
  /** When the current failure began: the alert's startsAt when it fires. */
  failingSince: number;
  atMs: number;
  /** The alert's labels and fingerprint under the configuration now (a function: hashing them is only needed to fire). */
  identity: () => Omit<FiringAlert, 'startsAt'>;
  /** The annotations of an event, given whether it fires. */
  annotations(firing: boolean): Record<string, string>;
  /** What the firing alert's value shows in the store (the failure, or the failing regions). */
  value?: string;
  rule?: FlappingRule;
}

export interface DownAlertStep {
  firing?: FiringAlert;
  flapping?: FlappingState;
  raised: RaisedAlert[];
}

export function stepDownAlert(input: DownAlertInput): DownAlertStep {
  const { rule, transition, atMs } = input;
  let flapping = rule ? input.flapping : undefined;
  if (rule && transition) {
    const from = transition.kind === 'down' ? 'up' : 'down';
    flapping = recordChange(flapping ?? INITIAL_FLAPPING_STATE, { atMs, from, to: transition.kind === 'down' ? 'down' : 'up' }, rule);
  }
  let summary: FlappingSummary | undefined;
  if (rule && flapping) ({ state: flapping, summary } = settled(flapping, rule, atMs));
  const kept = flapping && flapping.changeTimes.length > 0 ? { flapping } : {};
  if (flapping && isFlapping(flapping)) {
    return { ...(input.firing ? { firing: input.firing } : {}), ...kept, raised: [] };
  }
  return { ...aligned(input, summary), ...kept };
}

/** Brings receivers in line with the subject: fire, resolve, refresh, or (after flapping) one summary. */
function aligned(input: DownAlertInput, summary: FlappingSummary | undefined): { firing?: FiringAlert; raised: RaisedAlert[] } {
  const { firing, isDown, atMs } = input;
  const extra: Record<string, string> = summary ? { flapping: describeFlapping(summary, isDown) } : {};
  const raise = (identity: FiringAlert, status: 'firing' | 'resolved', notify = true): RaisedAlert => ({
    event: eventOf(identity, status, { ...input.annotations(status === 'firing'), ...extra }, atMs),
    rule: DOWN_RULE,
    ...(input.value === undefined ? {} : { value: input.value }),
    notify,
  });
  const fresh = (): FiringAlert => ({ ...input.identity(), startsAt: input.failingSince });
  if (isDown && !firing) {
    const identity = fresh();
    return { firing: identity, raised: [raise(identity, 'firing')] };
  }
  if (!isDown && firing) return { raised: [raise(firing, 'resolved')] };
  if (!summary) {
    // Still down: only the stored value is refreshed (the latest failure, the failing regions).
    if (!firing) return { raised: [] };
    return { firing, raised: input.value === undefined ? [] : [raise(firing, 'firing', false)] };
  }
  // Flapped and ended where receivers were last told; one event still says what happened.
  // Down again: the outage now is the one since the last failure, a new start.
  if (isDown && firing) {
    const identity = fresh();
    return { firing: identity, raised: [raise(identity, 'firing')] };
  }
  return { raised: [raise({ ...input.identity(), startsAt: summary.since }, 'resolved')] };
}

function describeFlapping(summary: FlappingSummary, isDown: boolean): string {
  const from = new Date(summary.since).toISOString();
  const to = new Date(summary.settledAt).toISOString();
  return `flapped ${summary.changes} times between ${from} and ${to} (notifications held meanwhile); now ${isDown ? 'down' : 'up'}`;
}
