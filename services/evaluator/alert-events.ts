import { fingerprintOf } from '../../libs/alerts/index.js';
import type { CheckConfig } from '../../libs/config/index.js';
import type { AlertEvent } from '../../libs/queues/index.js';

export const CHECK_DOWN = 'CheckDown';
/** Raised when a subject stops producing results: distinct from down, since nothing was measured. */
export const NO_DATA = 'NoData';
/** The subject of a check's quorum alert: "<check>@*" ("*" cannot be a region id). */
export const ALL_REGIONS = '*';

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
export type RetireReason = 'removed' | 'relabelled' | 'paused' | 'rule-removed';

/**
 * Labels every alert of a check carries; Vigil's own names win over a check's labels of the
 * same name. A check probed from several regions alerts per region, labelled with it, except
 * for its quorum alert (region ALL_REGIONS), which speaks for all of them.
 */
export function alertLabels(check: Pick<CheckConfig, 'id' | 'labels' | 'regions'>, region: string, alertname = CHECK_DOWN): Record<string, string> {
  const perRegion = check.regions.length > 1 && region !== ALL_REGIONS;
  return { ...check.labels, alertname, check: check.id, ...(perRegion ? { region } : {}) };
}

/**
 * The identity a check's alert in a region has under the current configuration. A `severity`
 * set by the rule (certificate: warning, then critical) is a label but not part of the
 * fingerprint, so a change of severity updates the one alert instead of raising a second.
 */
export function alertIdentityOf(check: Pick<CheckConfig, 'id' | 'labels' | 'regions'>, region: string, startsAt: number, alertname = CHECK_DOWN, severity?: string): FiringAlert {
  const labels = alertLabels(check, region, alertname);
  const fingerprint = fingerprintOf(labels);
  return { fingerprint, labels: severity === undefined ? labels : { ...labels, severity }, startsAt };
}

/** An alert event for an identity. Deterministic, so a retried evaluation produces the same event. */
export function eventOf(identity: FiringAlert, status: AlertEvent['status'], annotations: Record<string, string>, endsAtMs?: number): AlertEvent {
  return {
    fingerprint: identity.fingerprint,
    status,
    labels: identity.labels,
    annotations,
    startsAt: new Date(identity.startsAt).toISOString(),
    ...(status === 'resolved' ? { endsAt: new Date(Math.max(endsAtMs ?? identity.startsAt, identity.startsAt)).toISOString() } : {}),
  };
}

/** summary, description (when there is one) and the check's own description. */
export function checkAnnotations(check: Pick<CheckConfig, 'description'>, summary: string, description?: string): Record<string, string> {
  return {
    summary,
    ...(description === undefined ? {} : { description }),
    ...(check.description === undefined ? {} : { check_description: check.description }),
  };
}

/** What each of Vigil's alerts says in one line, by alertname. */
export function summaryOf(alertname: string, checkId: string): string {
  switch (alertname) {
    case CHECK_DOWN: return `${checkId} is down`;
    case NO_DATA: return `no results from ${checkId}`;
    case 'LatencyHigh': return `${checkId} is slow`;
    case 'LatencyAnomaly': return `${checkId} is slower than usual`;
    case 'CertificateExpiry': return `the certificate of ${checkId} expires soon`;
    case 'TrendBreachPredicted': return `${checkId} is heading for its limit`;
    default: return `${alertname} on ${checkId}`;
  }
}

const RETIRE_TEXT: Record<RetireReason, string> = {
  removed: 'the check was removed from the configuration, so this alert is resolved',
  relabelled: "the check's labels, regions or id changed, so this alert is resolved; a new one fires if the check is still down",
  paused: 'the check was paused, so this alert is resolved',
  'rule-removed': "the rule that raised this alert was taken out of the check's configuration, so this alert is resolved",
};

/** Resolves an alert whose check stopped existing in its old form (removed, relabelled, paused). */
export function retiredEventFor(firing: FiringAlert, reason: RetireReason, endsAt: number): AlertEvent {
  const summary = summaryOf(firing.labels.alertname ?? CHECK_DOWN, firing.labels.check ?? 'check');
  return eventOf(firing, 'resolved', { summary, description: RETIRE_TEXT[reason], resolved_reason: reason }, endsAt);
}
