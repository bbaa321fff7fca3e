/**
 * The identity and texts of the alerts a watch raises, pure: the watch equivalents of
 * alert-events.ts (alertIdentityOf, summaryOf, retiredEventFor). Every watch alert is about one
 * path on one host, labelled {...watch.labels, alertname, watch, host, path}.
 */
import { fingerprintOf } from '../../../libs/alerts/index.js';
import type { WatchConfig } from '../../../libs/config/index.js';
import type { AlertEvent } from '../../../libs/queues/index.js';
import { eventOf, type FiringAlert, type RetireReason } from '../alert-events.js';

/** Each rule of a watch: the store's rule name and the alert it raises. */
export const WATCH_RULES = {
  'file-change': 'FileChanged',
  'file-stale': 'FileStale',
  'file-missing': 'FileMissing',
  'file-size': 'FileTooLarge',
  'file-trend': 'FileGrowthPredicted',
  'log-match': 'LogPatternMatched',
} as const;
export type WatchRuleName = keyof typeof WATCH_RULES;
export type WatchAlertname = (typeof WATCH_RULES)[WatchRuleName];

/** A watch's subject: one watch as one host's file agent sees it. */
export function watchSubject(watchId: string, host: string): string {
  return `watch:${watchId}@${host}`;
}

/** The watch id and host of a subject (hosts are names, never holding "@"; a watch id cannot). */
export function parseWatchSubject(subject: string): { watchId: string; host: string } | undefined {
  const match = /^watch:([^@]+)@(.+)$/.exec(subject);
  return match ? { watchId: match[1]!, host: match[2]! } : undefined;
}

/** Why a watch alert resolved without its path getting better. */
export type WatchRetireReason = Exclude<RetireReason, 'paused'>;

/**
 * The identity of a rule's alert for a path under the watch as configured now. A change is
 * worth a look, not a page, so FileChanged is `severity: warning` unless the watch's labels say
 * otherwise; like a rule's severity on checks, that default is not part of the fingerprint.
 */
export function watchAlertIdentityOf(watch: Pick<WatchConfig, 'id' | 'labels'>, host: string, path: string, rule: WatchRuleName, startsAt: number): FiringAlert {
  const labels: Record<string, string> = { ...watch.labels, alertname: WATCH_RULES[rule], watch: watch.id, host, path };
  const fingerprint = fingerprintOf(labels);
  const defaulted = rule === 'file-change' && labels.severity === undefined;
  return { fingerprint, labels: defaulted ? { ...labels, severity: 'warning' } : labels, startsAt };
}

/** What each watch alert says in one line. */
export function watchSummaryOf(alertname: string, path: string, host: string): string {
  switch (alertname) {
    case 'FileChanged': return `${path} changed on ${host}`;
    case 'FileStale': return `${path} on ${host} has not changed for too long`;
    case 'FileMissing': return `${path} is missing on ${host}`;
    case 'FileTooLarge': return `${path} on ${host} is too large`;
    case 'FileGrowthPredicted': return `${path} on ${host} is growing toward its size limit`;
    case 'LogPatternMatched': return `${path} on ${host} logs lines matching its pattern`;
    default: return `${alertname} on ${path} (${host})`;
  }
}

/** Summary and description, the summary from the alert's own labels. */
export function watchAnnotations(alert: Pick<FiringAlert, 'labels'>, description: string, extra: Record<string, string> = {}): Record<string, string> {
  const { alertname = 'WatchAlert', path = '', host = '' } = alert.labels;
  return { summary: watchSummaryOf(alertname, path, host), description, ...extra };
}

const RETIRE_TEXT: Record<WatchRetireReason, string> = {
  removed: 'the watch was removed from the configuration, so this alert is resolved',
  relabelled: "the watch's labels changed, so this alert is resolved; a new one fires if the file is still in that condition",
  'rule-removed': "the setting that raised this alert was taken out of the watch's configuration, so this alert is resolved",
};

/** Resolves a watch alert whose watch or rule stopped existing in its old form. */
export function retiredWatchEventFor(alert: FiringAlert, reason: WatchRetireReason, endsAtMs: number): AlertEvent {
  return eventOf(alert, 'resolved', watchAnnotations(alert, RETIRE_TEXT[reason], { resolved_reason: reason }), endsAtMs);
}
