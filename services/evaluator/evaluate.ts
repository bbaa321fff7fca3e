import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { CheckConfig } from '../../libs/config/index.js';
import { checkInRegion } from '../../libs/check-registry.js';
import { jobIdOf, type AlertEvent, type ProbeResult } from '../../libs/queues/index.js';
import { REDIS_KEYS } from '../../libs/redis-keys.js';
import { alertEventFor } from './alert-events.js';
import { probePoint } from './points.js';
import { INITIAL_STATE, step, type CheckState, type CheckStatus, type Transition } from './state-machine.js';

const MAX_CONFLICT_RETRIES = 10;

export interface EvaluationDeps {
  /** A connection used by nothing else: WATCH is per connection. */
  stateRedis: Redis;
  alerts: Queue<AlertEvent>;
  log: Logger;
  /** Whether points go to the metrics buffer (false when no InfluxDB is configured). */
  recordMetrics: boolean;
}

interface Change {
  /** "<check>@<region>": state is kept per check and region. */
  subject: string;
  region: string;
  check: CheckConfig;
  before: CheckState;
  after: CheckState;
  transition?: Transition;
  reason?: string;
}

/** What a batch of results does to the stored states. Pure. */
export function applyResults(results: ProbeResult[], checks: Map<string, CheckConfig>, stored: Map<string, CheckState>): { changes: Change[]; points: string[] } {
  const states = new Map(stored);
  const changes = new Map<string, Change>();
  const points: string[] = [];
  for (const result of [...results].sort((a, b) => a.scheduledAt - b.scheduledAt)) {
    const check = checks.get(result.checkId);
    const subject = checkInRegion(result.checkId, result.region);
    const before = states.get(subject) ?? INITIAL_STATE;
    if (!check) {
      // Removed from the configuration after this probe ran: keep the measurement only.
      points.push(probePoint(result, 'unknown'));
      continue;
    }
    const outcome = step(before, { ok: result.ok, scheduledAt: result.scheduledAt, ...(result.message === undefined ? {} : { message: result.message }) }, check);
    points.push(probePoint(result, outcome.state.status));
    if (outcome.ignored) continue;
    states.set(subject, outcome.state);
    const earlier = changes.get(subject);
    changes.set(subject, {
      subject,
      region: result.region,
      check,
      before: earlier?.before ?? before,
      after: outcome.state,
      // A batch holds one tick per check, so at most one transition; keep it if an earlier result made it.
      ...(outcome.transition ? { transition: outcome.transition } : earlier?.transition ? { transition: earlier.transition } : {}),
      ...(result.message === undefined ? {} : { reason: result.message }),
    });
  }
  return { changes: [...changes.values()], points };
}

const isFailing = (status: CheckStatus) => status === 'pending' || status === 'down';

/**
 * Applies one batch of results: state machine steps, alert events on transitions, points.
 * Crash-safe in any order of failure: alerts are queued (deterministic job ids) before the
 * states that record them are committed, so a retry re-derives the same events and BullMQ
 * drops the duplicates; states, the failing set and points commit together in one MULTI,
 * guarded by WATCH so concurrent evaluators cannot interleave on a check.
 */
export async function evaluateBatch(deps: EvaluationDeps, checks: Map<string, CheckConfig>, results: ProbeResult[]): Promise<void> {
  const ids = [...new Set(results.filter((result) => checks.has(result.checkId)).map((result) => checkInRegion(result.checkId, result.region)))];
  for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
    if (await tryCommit(deps, checks, results, ids)) return;
  }
  throw new Error(`check states kept changing under this evaluator (${MAX_CONFLICT_RETRIES} conflicts)`);
}

async function tryCommit(deps: EvaluationDeps, checks: Map<string, CheckConfig>, results: ProbeResult[], ids: string[]): Promise<boolean> {
  const { stateRedis } = deps;
  const keys = ids.map(REDIS_KEYS.checkState);
  if (keys.length > 0) await stateRedis.watch(...keys);
  try {
    const texts = keys.length > 0 ? await stateRedis.mget(...keys) : [];
    const stored = new Map<string, CheckState>();
    texts.forEach((text, index) => {
      if (text) stored.set(ids[index]!, JSON.parse(text) as CheckState);
    });
    const { changes, points } = applyResults(results, checks, stored);

    const events = changes.flatMap((change) => (change.transition ? [alertEventFor(change.check, change.region, change.transition, change.before.lastMessage)] : []));
    if (events.length > 0) {
      // Epoch millis, not the ISO text: BullMQ refuses most custom ids that contain ":".
      await deps.alerts.addBulk(events.map((event) => ({ name: event.status, data: event, opts: { jobId: jobIdOf(event.fingerprint, event.status, Date.parse(event.startsAt)) } })));
    }

    const transaction = stateRedis.multi();
    for (const change of changes) transaction.set(REDIS_KEYS.checkState(change.subject), JSON.stringify(change.after));
    const startFailing = changes.filter((c) => isFailing(c.after.status) && !isFailing(c.before.status)).map((c) => c.subject);
    const stopFailing = changes.filter((c) => !isFailing(c.after.status) && isFailing(c.before.status)).map((c) => c.subject);
    if (startFailing.length > 0) transaction.sadd(REDIS_KEYS.failing, ...startFailing);
    if (stopFailing.length > 0) transaction.srem(REDIS_KEYS.failing, ...stopFailing);
    // Only checks with a retryInterval change cadence; the rest need no re-planning.
    const recadenced = changes.filter((c) => c.check.retryIntervalMs !== undefined && isFailing(c.after.status) !== isFailing(c.before.status));
    if (recadenced.length > 0) transaction.publish(REDIS_KEYS.failingChanged, recadenced.map((c) => c.subject).join(','));
    if (deps.recordMetrics && points.length > 0) transaction.rpush(REDIS_KEYS.metricsBuffer, ...points);
    if ((await transaction.exec()) === null) return false;

    logChanges(deps.log, changes);
    return true;
  } catch (err) {
    await stateRedis.unwatch().catch(() => undefined);
    throw err;
  }
}

function logChanges(log: Logger, changes: Change[]): void {
  for (const { check, region, before, after, transition, reason } of changes) {
    if (transition?.kind === 'down') log.warn({ checkId: check.id, region, reason }, 'check is down');
    else if (transition?.kind === 'recovered') log.info({ checkId: check.id, region }, 'check recovered');
    else if (after.status !== before.status) log.info({ checkId: check.id, region, from: before.status, to: after.status, reason }, 'check state changed');
  }
}
