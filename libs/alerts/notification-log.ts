import type { Redis } from 'ioredis';
import type { AlertEvent } from '../queues/index.js';
import { REDIS_KEYS } from '../redis-keys.js';

/**
 * The notification log: what each channel was told about each alert of each group, and
 * when. Deliveries consult it before sending, so an alert transition reaches a channel once
 * however often it is dispatched, whether or not BullMQ still remembers the delivery job
 * (job ids stay deterministic as a second guard). Grouping and repeats (issue 9) read it too.
 *
 * One hash field per (channel, group key, alert): the last transition sent. Entries are
 * bounded by the alerts that exist times the channels that hear of them.
 */
export interface NotificationRecord {
  status: AlertEvent['status'];
  /** The alert's startsAt: a new outage of the same alert is a new notification. */
  startsAt: string;
  /** The severity label it was sent with: a new severity is a new notification. */
  severity?: string;
  /** ISO 8601. */
  sentAt: string;
}

function fieldOf(channelId: string, groupKey: string, fingerprint: string): string {
  return JSON.stringify([channelId, groupKey, fingerprint]);
}

/** The alerts of `alerts` whose transition this channel has already been sent for this group. */
export async function alreadyNotified(redis: Redis, channelId: string, groupKey: string, alerts: AlertEvent[]): Promise<AlertEvent[]> {
  if (alerts.length === 0) return [];
  const texts = await redis.hmget(REDIS_KEYS.notificationLog, ...alerts.map((alert) => fieldOf(channelId, groupKey, alert.fingerprint)));
  return alerts.filter((alert, index) => {
    const text = texts[index];
    if (!text) return false;
    const sent = JSON.parse(text) as NotificationRecord;
    return sent.status === alert.status && sent.startsAt === alert.startsAt && sent.severity === alert.labels.severity;
  });
}

/** Records that `alerts` were sent to the channel for this group. */
export async function recordNotified(redis: Redis, channelId: string, groupKey: string, alerts: AlertEvent[], sentAt = new Date()): Promise<void> {
  if (alerts.length === 0) return;
  const entries = alerts.map((alert) => {
    const severity = alert.labels.severity;
    const record: NotificationRecord = { status: alert.status, startsAt: alert.startsAt, ...(severity === undefined ? {} : { severity }), sentAt: sentAt.toISOString() };
    return [fieldOf(channelId, groupKey, alert.fingerprint), JSON.stringify(record)] as const;
  });
  await redis.hset(REDIS_KEYS.notificationLog, Object.fromEntries(entries));
}
