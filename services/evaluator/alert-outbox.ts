/**
 * The alert outbox: alert events are written to a Redis list in the same MULTI as the states
 * that raise them, and only then forwarded to the `alerts` queue. Queuing them before the
 * MULTI (as BullMQ's add cannot be part of our transaction) would queue events of a commit
 * that then aborted (a conflict with another evaluator, a kill): the retry, starting from newer
 * states, may not raise them again, and a firing notice nothing resolves, or a stray resolved
 * notice that shadows the real one (same job id), would be left behind.
 *
 * Forwarding is at least once: a crash between queueing and trimming queues again, and the
 * deterministic job ids (transitionIdOf) make BullMQ drop the repeat. Any evaluator may forward;
 * the trim removes only what it read, and only if nobody trimmed it first.
 */
import type { Queue } from 'bullmq';
import type { ChainableCommander, Redis } from 'ioredis';
import { transitionIdOf } from '../../libs/alerts/index.js';
import { jobIdOf, type AlertEvent } from '../../libs/queues/index.js';
import { REDIS_KEYS } from '../../libs/redis-keys.js';
import type { EvaluatorMetrics } from './metrics.js';

/** Events forwarded per round trip. */
const FORWARD_CHUNK = 200;
/** Rounds per call, so one call is bounded even while evaluators keep adding. */
const MAX_ROUNDS = 50;

/**
 * Trims the first #ARGV items if they are still the ones read. Two equal items give the same
 * job, so trimming one copy rather than the other loses nothing.
 */
const TRIM_IF_HEAD = `
local n = #ARGV
local head = redis.call('LRANGE', KEYS[1], 0, n - 1)
if #head < n then return 0 end
for i = 1, n do
  if head[i] ~= ARGV[i] then return 0 end
end
redis.call('LTRIM', KEYS[1], n, -1)
return n
`;

/** Adds events to the outbox as part of a transaction. */
export function stageAlertEvents(transaction: ChainableCommander, events: AlertEvent[]): void {
  if (events.length > 0) transaction.rpush(REDIS_KEYS.alertOutbox, ...events.map((event) => JSON.stringify(event)));
}

/** Queues alert events under deterministic ids, so an event forwarded twice is queued once. */
export async function queueAlerts(alerts: Queue<AlertEvent>, events: AlertEvent[]): Promise<void> {
  if (events.length === 0) return;
  await alerts.addBulk(events.map((event) => ({ name: event.status, data: event, opts: { jobId: jobIdOf(...transitionIdOf(event)) } })));
}

/**
 * Moves what the outbox holds to the alerts queue, oldest first; returns how many it moved.
 * Only the evaluator whose trim took the events counts them (metrics), so each transition is
 * counted once however many evaluators forward it.
 */
export async function forwardAlerts(redis: Redis, alerts: Queue<AlertEvent>, metrics?: EvaluatorMetrics): Promise<number> {
  let forwarded = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const texts = await redis.lrange(REDIS_KEYS.alertOutbox, 0, FORWARD_CHUNK - 1);
    if (texts.length === 0) break;
    const events = texts.map((text) => JSON.parse(text) as AlertEvent);
    await queueAlerts(alerts, events);
    const trimmed = Number(await redis.eval(TRIM_IF_HEAD, 1, REDIS_KEYS.alertOutbox, ...texts));
    if (trimmed > 0) metrics?.forwarded(events);
    forwarded += trimmed;
  }
  return forwarded;
}
