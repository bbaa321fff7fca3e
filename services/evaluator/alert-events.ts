import { createHash } from 'node:crypto';
import type { CheckConfig } from '../../libs/config/index.js';
import type { AlertEvent } from '../../libs/queues/index.js';
import type { Transition } from './state-machine.js';

export const CHECK_DOWN = 'CheckDown';

/**
 * Labels every CheckDown alert carries; Vigil's own names win over a check's labels of the
 * same name. A check probed from several regions alerts per region, labelled with it.
 */
export function alertLabels(check: Pick<CheckConfig, 'id' | 'labels' | 'regions'>, region: string): Record<string, string> {
  return { ...check.labels, alertname: CHECK_DOWN, check: check.id, ...(check.regions.length > 1 ? { region } : {}) };
}

/** Alertmanager-style fingerprint: a stable hash of the sorted label set. */
export function fingerprintOf(labels: Record<string, string>): string {
  const canonical = Object.keys(labels).sort().map((key) => `${key}=${labels[key]}`).join('\u0000');
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** The alert event for a transition. Deterministic, so a retried evaluation produces the same event. */
export function alertEventFor(check: Pick<CheckConfig, 'id' | 'labels' | 'description' | 'regions'>, region: string, transition: Transition, lastMessage?: string): AlertEvent {
  const labels = alertLabels(check, region);
  const reason = transition.kind === 'down' ? transition.message : lastMessage;
  const annotations: Record<string, string> = {
    summary: `${check.id} is down`,
    ...(reason === undefined ? {} : { description: reason }),
    ...(check.description === undefined ? {} : { check_description: check.description }),
  };
  return {
    fingerprint: fingerprintOf(labels),
    status: transition.kind === 'down' ? 'firing' : 'resolved',
    labels,
    annotations,
    startsAt: new Date(transition.startsAt).toISOString(),
    ...(transition.kind === 'recovered' ? { endsAt: new Date(transition.endsAt).toISOString() } : {}),
  };
}
