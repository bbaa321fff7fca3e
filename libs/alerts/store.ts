import type { ChainableCommander, Redis } from 'ioredis';
import type { AlertEvent } from '../queues/index.js';
import { REDIS_KEYS } from '../redis-keys.js';

/**
 * The alert store: what is firing now, and how each subject's state has changed. Written by
 * the evaluator inside the same MULTI as the states it describes (stage* functions add to a
 * transaction, so the store can never disagree with the states); read by the CLI and, later,
 * the notifier and the API.
 */

/** A firing alert as the store keeps it: its event's identity and texts, and where it came from. */
export interface ActiveAlert extends Pick<AlertEvent, 'fingerprint' | 'labels' | 'annotations' | 'startsAt'> {
  /** The rule that raised it: down, nodata, latency, certificate, anomaly or trend. */
  rule: string;
  /** "<check>@<region>". */
  subject: string;
  /** The last measured value that kept it firing, when the rule has one. */
  value?: string;
}

/** One state change of a subject. */
export interface StateTransition {
  /** Epoch ms of the observation that caused it. */
  atMs: number;
  from: string;
  to: string;
  reason?: string;
}

/** Transitions kept per subject: recent history for people; the long record is in InfluxDB. */
export const HISTORY_LENGTH = 200;

/** Records a firing alert as active (or refreshes its value), or removes a resolved one. */
export function stageAlert(transaction: ChainableCommander, event: AlertEvent, subject: string, rule: string, value?: string): void {
  if (event.status === 'resolved') {
    transaction.hdel(REDIS_KEYS.activeAlerts, event.fingerprint);
    return;
  }
  const active: ActiveAlert = {
    fingerprint: event.fingerprint, labels: event.labels, annotations: event.annotations, startsAt: event.startsAt, rule, subject,
    ...(value === undefined ? {} : { value }),
  };
  transaction.hset(REDIS_KEYS.activeAlerts, event.fingerprint, JSON.stringify(active));
}

/** Appends a transition to the subject's history, newest first, keeping HISTORY_LENGTH. */
export function stageTransition(transaction: ChainableCommander, subject: string, transition: StateTransition): void {
  const key = REDIS_KEYS.stateHistory(subject);
  transaction.lpush(key, JSON.stringify(transition)).ltrim(key, 0, HISTORY_LENGTH - 1);
}

/** Every firing alert, oldest first. */
export async function listActiveAlerts(redis: Redis): Promise<ActiveAlert[]> {
  const entries = Object.values(await redis.hgetall(REDIS_KEYS.activeAlerts));
  return entries.map((text) => JSON.parse(text) as ActiveAlert).sort((a, b) => a.startsAt.localeCompare(b.startsAt) || a.fingerprint.localeCompare(b.fingerprint));
}

/** A check's transitions in every region it has state in, newest first. */
export async function historyOfCheck(redis: Redis, checkId: string, limit = HISTORY_LENGTH): Promise<Array<StateTransition & { subject: string }>> {
  const subjects = (await redis.smembers(REDIS_KEYS.subjects)).filter((subject) => subject.startsWith(`${checkId}@`));
  const all = await Promise.all(subjects.map(async (subject) => (await redis.lrange(REDIS_KEYS.stateHistory(subject), 0, limit - 1))
    .map((text) => ({ ...(JSON.parse(text) as StateTransition), subject }))));
  return all.flat().sort((a, b) => b.atMs - a.atMs).slice(0, limit);
}
