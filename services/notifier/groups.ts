import type { Redis } from 'ioredis';
import type { AlertEvent } from '../../libs/queues/index.js';
import { REDIS_KEYS } from '../../libs/redis-keys.js';

/**
 * Aggregation groups in Redis, one hash per group key, shared by every notifier replica:
 *   meta      JSON GroupMeta
 *   next      epoch ms of the flush the group's timer is set for (its group-flushes job)
 *   v         a counter bumped by every accepted alert event, so a flush can tell whether the
 *             group changed while it worked
 *   a:<fp>    JSON AlertEvent, the latest of that alert
 *   o:<fp>    "<startsAt ms>|<status>", to order events of one alert (below)
 *   h:<fp>    epoch ms a resolved alert was first flushed; it is dropped RESOLVED_KEPT_MS later
 *   t:<chan>  epoch ms the channel last got a message from this group (repeatInterval)
 * Both writers are Lua scripts, so two replicas adding to or flushing one group never interleave.
 */
export interface GroupMeta {
  groupKey: string;
  routeKey: string;
  groupLabels: Record<string, string>;
}

export interface StoredGroup {
  meta: GroupMeta;
  nextFlushAtMs: number;
  version: string;
  alerts: AlertEvent[];
  /** Resolved alerts already flushed, by fingerprint: when. */
  handledAtMs: Map<string, number>;
  lastNotifiedAtMs: Map<string, number>;
}

/**
 * A resolved alert stays in its group this long after its first flush: an older event of the
 * same alert arriving late (a retried job, another replica) then finds it and is ignored
 * instead of firing the alert again.
 */
export const RESOLVED_KEPT_MS = 10 * 60_000;

/**
 * Adds an event unless the group holds a newer one of the same alert: an older outage, or
 * "firing" after "resolved" of the same outage, is ignored. Starts the timer (groupWait) of a
 * group that has none. Returns whether the event was taken, the group's next flush, and whether
 * this call started the group's timer (then the caller queues its job).
 */
const ADD_SCRIPT = `
local group = KEYS[1]
local fp = ARGV[1]
local startsAt = tonumber(ARGV[3])
local accepted = 1
local order = redis.call('HGET', group, 'o:' .. fp)
if order then
  local sep = string.find(order, '|', 1, true)
  local storedStart = tonumber(string.sub(order, 1, sep - 1))
  local storedStatus = string.sub(order, sep + 1)
  if startsAt < storedStart or (startsAt == storedStart and storedStatus == 'resolved' and ARGV[4] == 'firing') then accepted = 0 end
end
if accepted == 1 then
  redis.call('HSET', group, 'a:' .. fp, ARGV[2], 'o:' .. fp, ARGV[3] .. '|' .. ARGV[4])
  redis.call('HDEL', group, 'h:' .. fp)
  redis.call('HINCRBY', group, 'v', 1)
  redis.call('HSETNX', group, 'meta', ARGV[7])
end
local nextAt = redis.call('HGET', group, 'next')
local started = 0
if (not nextAt) and accepted == 1 then
  nextAt = ARGV[5]
  started = 1
  redis.call('HSET', group, 'next', nextAt)
  redis.call('SADD', KEYS[2], ARGV[6])
end
return {accepted, nextAt or '', started}`;

export async function addToGroup(redis: Redis, meta: GroupMeta, alert: AlertEvent, firstFlushAtMs: number): Promise<{ accepted: boolean; nextFlushAtMs?: number; timerStarted: boolean }> {
  const startsAtMs = Date.parse(alert.startsAt);
  const [accepted, nextAt, started] = await redis.eval(
    ADD_SCRIPT, 2, REDIS_KEYS.group(meta.groupKey), REDIS_KEYS.groups,
    alert.fingerprint, JSON.stringify(alert), String(Number.isFinite(startsAtMs) ? startsAtMs : 0), alert.status, String(firstFlushAtMs), meta.groupKey, JSON.stringify(meta),
  ) as [number, string, number];
  return { accepted: accepted === 1, timerStarted: started === 1, ...(nextAt === '' ? {} : { nextFlushAtMs: Number(nextAt) }) };
}

export async function readGroup(redis: Redis, groupKey: string): Promise<StoredGroup | undefined> {
  const fields = await redis.hgetall(REDIS_KEYS.group(groupKey));
  if (fields.meta === undefined || fields.next === undefined) return undefined;
  const group: StoredGroup = {
    meta: JSON.parse(fields.meta) as GroupMeta,
    nextFlushAtMs: Number(fields.next),
    version: fields.v ?? '0',
    alerts: [],
    handledAtMs: new Map(),
    lastNotifiedAtMs: new Map(),
  };
  for (const [field, value] of Object.entries(fields)) {
    if (field.startsWith('a:')) group.alerts.push(JSON.parse(value) as AlertEvent);
    else if (field.startsWith('h:')) group.handledAtMs.set(field.slice(2), Number(value));
    else if (field.startsWith('t:')) group.lastNotifiedAtMs.set(field.slice(2), Number(value));
  }
  group.alerts.sort((a, b) => a.startsAt.localeCompare(b.startsAt) || a.fingerprint.localeCompare(b.fingerprint));
  return group;
}

/** What a flush writes back, all at once. */
export interface FlushOutcome {
  groupKey: string;
  /** The flush this is the outcome of: if the timer moved meanwhile, nothing is written. */
  flushAtMs: number;
  /** The group's `v` when the flush read it. */
  readVersion: string;
  nowMs: number;
  /** The next timer; unused when the group is deleted. */
  nextFlushAtMs: number;
  /** Notification-log fields → JSON record, for what was queued. */
  records: Array<[string, string]>;
  /** Channels that got a message now. */
  notified: string[];
  /** Resolved alerts flushed for the first time. */
  handled: string[];
  /** Resolved alerts to drop (handled long enough ago), with their notification-log fields. */
  prune: string[];
  forget: string[];
  /** After pruning no alert is left: the group goes, unless an event came in meanwhile. */
  empty: boolean;
}

const FINISH_SCRIPT = `
local group = KEYS[1]
local out = cjson.decode(ARGV[1])
if redis.call('HGET', group, 'next') ~= out.flushAtMs then return 0 end
for _, record in ipairs(out.records) do redis.call('HSET', KEYS[2], record[1], record[2]) end
for _, channel in ipairs(out.notified) do redis.call('HSET', group, 't:' .. channel, out.nowMs) end
for _, fp in ipairs(out.handled) do redis.call('HSETNX', group, 'h:' .. fp, out.nowMs) end
local unchanged = (redis.call('HGET', group, 'v') or '0') == out.readVersion
if unchanged then
  for _, fp in ipairs(out.prune) do redis.call('HDEL', group, 'a:' .. fp, 'o:' .. fp, 'h:' .. fp) end
  for _, field in ipairs(out.forget) do redis.call('HDEL', KEYS[2], field) end
  if out.empty then
    redis.call('DEL', group)
    redis.call('SREM', KEYS[3], out.groupKey)
    return 2
  end
end
redis.call('HSET', group, 'next', out.nextFlushAtMs)
return 1`;

/** 0: the timer had moved (nothing written); 1: written, next timer set; 2: group deleted. */
export async function finishFlush(redis: Redis, outcome: FlushOutcome): Promise<0 | 1 | 2> {
  const payload = { ...outcome, flushAtMs: String(outcome.flushAtMs), nowMs: String(outcome.nowMs), nextFlushAtMs: String(outcome.nextFlushAtMs) };
  // cjson turns an empty JSON array into an empty table either way; ipairs over it does nothing.
  return await redis.eval(FINISH_SCRIPT, 3, REDIS_KEYS.group(outcome.groupKey), REDIS_KEYS.notificationLog, REDIS_KEYS.groups, JSON.stringify(payload)) as 0 | 1 | 2;
}

/** Every group with a hash, and when its timer is due: what the sweeper re-arms. */
export async function groupTimers(redis: Redis): Promise<Array<{ groupKey: string; nextFlushAtMs: number }>> {
  const keys = await redis.smembers(REDIS_KEYS.groups);
  if (keys.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const key of keys) pipeline.hget(REDIS_KEYS.group(key), 'next');
  const answers = (await pipeline.exec()) ?? [];
  return keys.flatMap((groupKey, index) => {
    const next = answers[index]?.[1];
    return typeof next === 'string' ? [{ groupKey, nextFlushAtMs: Number(next) }] : [];
  });
}
