/**
 * What one group tells one channel at one flush: pure, so every case is a table test. The
 * notifier's flush (flush.ts) gathers the inputs from Redis and acts on the plan.
 *
 * Alertmanager's rules, plus what its users ask for:
 * - A message is due when the channel has not been told the current state of a visible firing
 *   alert (new, a new outage, a new severity), or an alert it was told is firing has resolved.
 * - Otherwise, a group with visible firing alerts that are not all acknowledged repeats after
 *   repeatInterval since this channel last heard from it.
 * - The message carries every visible firing alert and the resolved ones the channel needs to
 *   hear about, so a message always shows the whole group.
 * - Muted alerts (silenced, inhibited, in maintenance) are not sent while firing. When one
 *   resolves, its resolved notice goes out if the channel was told it was firing, unless a
 *   silence without notifyResolved mutes it.
 */
import type { AlertEvent } from '../../libs/queues/index.js';

/** What a channel was last told about an alert in this group (the notification log). */
export interface ToldRecord {
  status: AlertEvent['status'];
  startsAt: string;
  severity?: string;
}

export interface Mute {
  reason: 'silenced' | 'inhibited' | 'maintenance';
  /** Whether the resolved notice may still go out; false only for a silence without notifyResolved. */
  notifyResolved: boolean;
}

export interface ChannelPlanInput {
  /** The group's alerts: the latest event of each. */
  alerts: readonly AlertEvent[];
  /** By fingerprint: what this channel was told in this group. */
  told: ReadonlyMap<string, ToldRecord>;
  /** When this channel last got a message from this group. */
  lastNotifiedAtMs?: number;
  nowMs: number;
  repeatIntervalMs: number;
  sendResolved: boolean;
  muted: ReadonlyMap<string, Mute>;
  acknowledged: ReadonlySet<string>;
  /** Escalation channels hear only of alerts unacknowledged for long enough. */
  eligible?: (alert: AlertEvent) => boolean;
}

export type PlanReason = 'new' | 'resolved' | 'repeat';

export type ChannelPlan = { send: false } | { send: true; reason: PlanReason; alerts: AlertEvent[] };

export function planChannelMessage(input: ChannelPlanInput): ChannelPlan {
  const { alerts, told, muted, acknowledged } = input;
  const eligible = input.eligible ?? (() => true);
  const firing = alerts.filter((alert) => alert.status === 'firing' && !muted.has(alert.fingerprint) && eligible(alert));
  const resolved = input.sendResolved
    ? alerts.filter((alert) => alert.status === 'resolved' && wasToldFiring(told.get(alert.fingerprint), alert) && (muted.get(alert.fingerprint)?.notifyResolved ?? true))
    : [];

  const news = firing.some((alert) => !isTold(told.get(alert.fingerprint), alert));
  if (news || resolved.length > 0) return { send: true, reason: news ? 'new' : 'resolved', alerts: [...firing, ...resolved] };

  const unacknowledged = firing.some((alert) => !acknowledged.has(alert.fingerprint));
  const dueAgain = input.lastNotifiedAtMs !== undefined && input.nowMs - input.lastNotifiedAtMs >= input.repeatIntervalMs;
  if (unacknowledged && dueAgain) return { send: true, reason: 'repeat', alerts: firing };
  return { send: false };
}

/** The channel knows this exact state of the alert: same status, outage and severity. */
export function isTold(record: ToldRecord | undefined, alert: AlertEvent): boolean {
  return record !== undefined && record.status === alert.status && record.startsAt === alert.startsAt && record.severity === alert.labels.severity;
}

function wasToldFiring(record: ToldRecord | undefined, alert: AlertEvent): boolean {
  return record !== undefined && record.status === 'firing' && record.startsAt === alert.startsAt;
}

/** Escalation: an alert firing unacknowledged for at least `afterMs`. */
export function escalationEligible(afterMs: number, nowMs: number, acknowledged: ReadonlySet<string>): (alert: AlertEvent) => boolean {
  return (alert) => !acknowledged.has(alert.fingerprint) && nowMs - Date.parse(alert.startsAt) >= afterMs;
}

/** The earliest time an escalation step becomes due for one of `alerts`, after `nowMs`. */
export function nextEscalationAtMs(alerts: readonly AlertEvent[], stepsAfterMs: readonly number[], nowMs: number, acknowledged: ReadonlySet<string>): number | undefined {
  let next: number | undefined;
  for (const alert of alerts) {
    if (alert.status !== 'firing' || acknowledged.has(alert.fingerprint)) continue;
    for (const afterMs of stepsAfterMs) {
      const dueAtMs = Date.parse(alert.startsAt) + afterMs;
      if (dueAtMs > nowMs && (next === undefined || dueAtMs < next)) next = dueAtMs;
    }
  }
  return next;
}
