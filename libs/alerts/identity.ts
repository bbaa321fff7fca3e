import { createHash } from 'node:crypto';

/**
 * An alert's identity: an Alertmanager-style fingerprint, a stable hash of its sorted label
 * set. The one place it is computed, so the evaluator, the notifier, the CLI and the API
 * agree on which alert is which across restarts and configuration reloads.
 *
 * The canonical text is `key=value` pairs joined by NUL. A key or value holding a character
 * that could make two label sets read alike (NUL, "=", a quote or a backslash) is written as
 * a JSON string instead, so the text stays unambiguous, while every ordinary label set keeps
 * the fingerprint it has always had.
 */
export function fingerprintOf(labels: Record<string, string>): string {
  const canonical = Object.keys(labels).sort().map((key) => `${quoted(key, /[\u0000="\\]/)}=${quoted(labels[key]!, /[\u0000"\\]/)}`).join('\u0000');
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

function quoted(text: string, special: RegExp): string {
  return special.test(text) ? JSON.stringify(text) : text;
}

/**
 * What tells one notification-worthy transition of an alert from another: its status, the
 * start of the outage, and its severity (an alert whose severity changed is news, though its
 * fingerprint and start stay). The evaluator's alert job ids, the notifier's delivery job ids
 * and the notification log all use it, so they agree on what "the same transition" is.
 * startsAt goes in as epoch ms: BullMQ rejects most custom ids containing ":".
 */
export function transitionIdOf(alert: { fingerprint: string; status: string; startsAt: string; labels: Record<string, string> }): Array<string | number> {
  const startsAtMs = Date.parse(alert.startsAt);
  const startsAt = Number.isFinite(startsAtMs) ? startsAtMs : alert.startsAt.replaceAll(':', '.');
  const severity = alert.labels.severity;
  return [alert.fingerprint, alert.status, startsAt, ...(severity === undefined ? [] : [severity.replaceAll(':', '.')])];
}

/**
 * A notification's idempotency key (Standard Webhooks `webhook-id`): the channel, the group, the
 * flush that made it and the transitions of the alerts it carries. Every attempt and every
 * notifier replica computes the same key for the same message, so a receiver can drop a repeat;
 * a later repeat of an unchanged group is a new notification with a new key.
 */
export function notificationIdOf(channelId: string, groupKey: string, alerts: ReadonlyArray<Parameters<typeof transitionIdOf>[0]>, flushAtMs: number): string {
  const transitions = alerts.map((alert) => transitionIdOf(alert).join('|')).sort();
  const digest = createHash('sha256').update(JSON.stringify([channelId, groupKey, flushAtMs, transitions])).digest('hex').slice(0, 32);
  return `msg_${digest}`;
}
