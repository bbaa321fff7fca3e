import { fingerprintOf } from '../../libs/alerts/index.js';
import type { CheckConfig } from '../../libs/config/index.js';
import type { AlertEvent } from '../../libs/queues/index.js';
import type { Transition } from './state-machine.js';

export const CHECK_DOWN = 'CheckDown';

/**
 * The identity an alert fired with, kept in the check's state until it resolves: the
 * resolved notice must carry the same labels and fingerprint even if the check's labels,
 * regions or id have changed since, or nothing could ever resolve it.
 */
export interface FiringAlert {
  fingerprint: string;
  labels: Record<string, string>;
  /** Epoch ms. */
  startsAt: number;
}

/** Why an alert resolved without its check recovering. */
export type RetireReason = 'removed' | 'relabelled' | 'paused';

/**
 * Labels every CheckDown alert carries; Vigil's own names win over a check's labels of the
 * same name. A check probed from several regions alerts per region, labelled with it.
 */
export function alertLabels(check: Pick<CheckConfig, 'id' | 'labels' | 'regions'>, region: string): Record<string, string> {
  return { ...check.labels, alertname: CHECK_DOWN, check: check.id, ...(check.regions.length > 1 ? { region } : {}) };
}

/** The identity a check's alert in a region has under the current configuration. */
export function alertIdentityOf(check: Pick<CheckConfig, 'id' | 'labels' | 'regions'>, region: string, startsAt: number): FiringAlert {
  const labels = alertLabels(check, region);
  return { fingerprint: fingerprintOf(labels), labels, startsAt };
}

/**
 * The alert event for a transition. Deterministic, so a retried evaluation produces the same
 * event. A recovery resolves the alert as it fired (`firedAs`), whatever the labels are now.
 */
export function alertEventFor(check: Pick<CheckConfig, 'id' | 'labels' | 'description' | 'regions'>, region: string, transition: Transition, lastMessage?: string, firedAs?: FiringAlert): AlertEvent {
  const identity = firedAs ?? alertIdentityOf(check, region, transition.startsAt);
  const reason = transition.kind === 'down' ? transition.message : lastMessage;
  const annotations: Record<string, string> = {
    summary: `${check.id} is down`,
    ...(reason === undefined ? {} : { description: reason }),
    ...(check.description === undefined ? {} : { check_description: check.description }),
  };
  return {
    fingerprint: identity.fingerprint,
    status: transition.kind === 'down' ? 'firing' : 'resolved',
    labels: identity.labels,
    annotations,
    startsAt: new Date(identity.startsAt).toISOString(),
    ...(transition.kind === 'recovered' ? { endsAt: new Date(transition.endsAt).toISOString() } : {}),
  };
}

const RETIRE_TEXT: Record<RetireReason, string> = {
  removed: 'the check was removed from the configuration, so this alert is resolved',
  relabelled: "the check's labels, regions or id changed, so this alert is resolved; a new one fires if the check is still down",
  paused: 'the check was paused, so this alert is resolved',
};

/** Resolves an alert whose check stopped existing in its old form (removed, relabelled). */
export function retiredEventFor(firing: FiringAlert, reason: RetireReason, endsAt: number): AlertEvent {
  const check = firing.labels.check ?? 'check';
  return {
    fingerprint: firing.fingerprint,
    status: 'resolved',
    labels: firing.labels,
    annotations: { summary: `${check} is down`, description: RETIRE_TEXT[reason], resolved_reason: reason },
    startsAt: new Date(firing.startsAt).toISOString(),
    endsAt: new Date(Math.max(endsAt, firing.startsAt)).toISOString(),
  };
}
