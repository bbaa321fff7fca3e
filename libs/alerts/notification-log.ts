import type { Redis } from 'ioredis';
import type { AlertEvent } from '../queues/index.js';
import { REDIS_KEYS } from '../redis-keys.js';

/**
 * The notification log: what each channel has been told about each alert of each group, and
 * whether the receiver accepted it. The notifier's flush decides from it what is news, so an
 * alert transition reaches a channel once however often it is dispatched or flushed, whether
 * or not BullMQ still remembers a job (job ids stay deterministic as a second guard).
 *
 * Two parts:
 * - Per (channel, group key, alert) the last state the channel was sent, with the notification
 *   that carried it and that notification's fate: `queued` when the flush handed it to
 *   delivery (so the next flush does not send it again while delivery retries), `sent` only
 *   after the receiver accepted, `rejected` when the receiver refused it for good (a 400: sending
 *   it again would be refused too, so it counts as told and shows in the delivery log),
 *   `failed` when retries ran out (the receiver was away for hours: the next flush sends again).
 * - Per notification id, a marker that it was accepted, kept SENT_MARKER_TTL_S: a delivery
 *   job run again (a crash after the send, a second replica) finds it and does not resend.
 */
export type DeliveryState = 'queued' | 'sent' | 'rejected' | 'failed';

export interface NotificationRecord {
  status: AlertEvent['status'];
  /** The alert's startsAt: a new outage of the same alert is a new notification. */
  startsAt: string;
  /** The severity label it was sent with: a new severity is a new notification. */
  severity?: string;
  notificationId: string;
  state: DeliveryState;
  /** ISO 8601. */
  queuedAt: string;
  sentAt?: string;
}

/** How long "this notification was accepted" is remembered: longer than any retry runs. */
export const SENT_MARKER_TTL_S = 7 * 86_400;

export function logFieldOf(channelId: string, groupKey: string, fingerprint: string): string {
  return JSON.stringify([channelId, groupKey, fingerprint]);
}

export function recordOf(alert: AlertEvent, notificationId: string, queuedAt: Date): NotificationRecord {
  const severity = alert.labels.severity;
  return { status: alert.status, startsAt: alert.startsAt, ...(severity === undefined ? {} : { severity }), notificationId, state: 'queued', queuedAt: queuedAt.toISOString() };
}

/** What the channel was told about these alerts in this group; a delivery that ran out of retries counts as not told. */
export async function toldRecords(redis: Redis, channelId: string, groupKey: string, fingerprints: readonly string[]): Promise<Map<string, NotificationRecord>> {
  const told = new Map<string, NotificationRecord>();
  if (fingerprints.length === 0) return told;
  const texts = await redis.hmget(REDIS_KEYS.notificationLog, ...fingerprints.map((fingerprint) => logFieldOf(channelId, groupKey, fingerprint)));
  texts.forEach((text, index) => {
    if (!text) return;
    const record = JSON.parse(text) as NotificationRecord;
    if (record.state !== 'failed') told.set(fingerprints[index]!, record);
  });
  return told;
}

/** Lua: sets the state of the records still carried by this notification (a later one may have replaced them). */
const MARK_SCRIPT = `
local updated = 0
for index = 3, #ARGV - 1 do
  local text = redis.call('HGET', KEYS[1], ARGV[index])
  if text then
    local record = cjson.decode(text)
    if record.notificationId == ARGV[1] then
      record.state = ARGV[2]
      if ARGV[2] == 'sent' then record.sentAt = ARGV[#ARGV] end
      redis.call('HSET', KEYS[1], ARGV[index], cjson.encode(record))
      updated = updated + 1
    end
  end
end
return updated`;

/** Marks what a notification carried as accepted, refused or given up on. */
export async function markDelivered(redis: Redis, notificationId: string, channelId: string, groupKey: string, alerts: readonly AlertEvent[], state: Exclude<DeliveryState, 'queued'>, at = new Date()): Promise<void> {
  const fields = alerts.map((alert) => logFieldOf(channelId, groupKey, alert.fingerprint));
  const transaction = redis.multi();
  if (state === 'sent') transaction.set(sentMarkerKey(notificationId), at.toISOString(), 'EX', SENT_MARKER_TTL_S);
  // sentAt rides as the last argument; the loop in the script stops before it.
  transaction.eval(MARK_SCRIPT, 1, REDIS_KEYS.notificationLog, notificationId, state, ...fields, at.toISOString());
  await transaction.exec();
}

/** Whether a receiver already accepted this notification. */
export async function wasSent(redis: Redis, notificationId: string): Promise<boolean> {
  return (await redis.exists(sentMarkerKey(notificationId))) === 1;
}

function sentMarkerKey(notificationId: string): string {
  return `${REDIS_KEYS.notificationSent}${notificationId}`;
}
