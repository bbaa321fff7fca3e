import type { Redis } from 'ioredis';
import type { AlertEvent } from '../queues/index.js';
import { REDIS_KEYS } from '../redis-keys.js';

/**
 * The delivery log: the last DELIVERY_LOG_LENGTH delivery attempts per channel, with what the
 * receiver answered, so "why did nobody get paged" has an answer (`npm run alerts -- deliveries`).
 * Entries name channels, never their URLs or tokens.
 */
export type DeliveryOutcome = 'delivered' | 'retrying' | 'failed';

export interface DeliveryLogEntry {
  /** ISO 8601. */
  at: string;
  channelId: string;
  notificationId: string;
  groupKey: string;
  alerts: Array<{ fingerprint: string; status: AlertEvent['status']; alertname?: string; check?: string }>;
  outcome: DeliveryOutcome;
  /** Attempts made so far, this one included. */
  attempts: number;
  /** What the receiver answered: its status and the start of its body. */
  answer?: { status?: number; body?: string };
  /** Why the attempt failed. */
  reason?: string;
}

export const DELIVERY_LOG_LENGTH = 100;

export function deliveryAlertsOf(alerts: readonly AlertEvent[]): DeliveryLogEntry['alerts'] {
  return alerts.map((alert) => ({
    fingerprint: alert.fingerprint,
    status: alert.status,
    ...(alert.labels.alertname === undefined ? {} : { alertname: alert.labels.alertname }),
    ...(alert.labels.check === undefined ? {} : { check: alert.labels.check }),
  }));
}

export async function appendDeliveryLog(redis: Redis, entry: DeliveryLogEntry): Promise<void> {
  const key = REDIS_KEYS.deliveryLog(entry.channelId);
  await redis.multi().lpush(key, JSON.stringify(entry)).ltrim(key, 0, DELIVERY_LOG_LENGTH - 1).exec();
}

/** The newest entries first, of one channel or of every channel that has a log. */
export async function readDeliveryLog(redis: Redis, options: { channelId?: string; limit?: number } = {}): Promise<DeliveryLogEntry[]> {
  const limit = options.limit ?? DELIVERY_LOG_LENGTH;
  const keys = options.channelId !== undefined ? [REDIS_KEYS.deliveryLog(options.channelId)] : await scanKeys(redis, `${REDIS_KEYS.deliveryLog('')}*`);
  const lists = await Promise.all(keys.map((key) => redis.lrange(key, 0, limit - 1)));
  return lists.flat().map((text) => JSON.parse(text) as DeliveryLogEntry).sort((a, b) => b.at.localeCompare(a.at)).slice(0, limit);
}

async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    keys.push(...found);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}
