import type { Redis } from 'ioredis';
import { stageAlert, stageTransition } from '../../libs/alerts/index.js';
import type { CheckConfig } from '../../libs/config/index.js';
import type { AlertEvent } from '../../libs/queues/index.js';
import { REDIS_KEYS } from '../../libs/redis-keys.js';
import { alertIdentityOf, retiredEventFor } from './alert-events.js';
import { DOWN_RULE, queueAlerts, type EvaluationDeps, type StoredState } from './evaluate.js';
import { INITIAL_STATE } from './state-machine.js';

/**
 * After a configuration change (and at start): states of checks that are gone, or probed
 * from a region no longer listed, are deleted, and their firing alerts resolved; a check whose
 * labels changed while its alert fired resolves that alert and starts over. Without this an
 * alert of a removed or renamed check would fire for ever. A paused check resolves its alert
 * and shows `paused`; resumed, it starts over from unknown.
 */

export type Verdict =
  | { kind: 'keep' }
  | { kind: 'delete'; event?: AlertEvent }
  | { kind: 'reset'; state: StoredState; reason: string; event?: AlertEvent };

/** "<check>@<region>": check ids cannot contain "@". */
export function parseSubject(subject: string): { checkId: string; region: string } {
  const at = subject.indexOf('@');
  return at < 0 ? { checkId: subject, region: '' } : { checkId: subject.slice(0, at), region: subject.slice(at + 1) };
}

/** What the current configuration means for one stored state. Pure. */
export function reconcileSubject(subject: string, state: StoredState, checks: Map<string, CheckConfig>, nowMs: number): Verdict {
  const { checkId, region } = parseSubject(subject);
  const check = checks.get(checkId);
  if (!check || !check.regions.includes(region)) {
    return state.firing ? { kind: 'delete', event: retiredEventFor(state.firing, 'removed', nowMs) } : { kind: 'delete' };
  }
  const restarted: StoredState = { ...INITIAL_STATE, lastTick: state.lastTick };
  if (check.paused) {
    if (state.status === 'paused') return { kind: 'keep' };
    const paused: StoredState = { ...restarted, status: 'paused' };
    const reason = 'check paused';
    return state.firing ? { kind: 'reset', state: paused, reason, event: retiredEventFor(state.firing, 'paused', nowMs) } : { kind: 'reset', state: paused, reason };
  }
  // Unpaused: it starts over, as a new check would.
  if (state.status === 'paused') return { kind: 'reset', state: restarted, reason: 'check resumed' };
  if (state.firing && state.firing.fingerprint !== alertIdentityOf(check, region, 0).fingerprint) {
    return { kind: 'reset', state: restarted, reason: 'labels, regions or id changed', event: retiredEventFor(state.firing, 'relabelled', nowMs) };
  }
  return { kind: 'keep' };
}

const CHUNK = 500;
const MAX_CONFLICT_RETRIES = 10;

export interface ReconcileReport {
  deleted: number;
  reset: number;
  resolved: number;
}

/**
 * Applies reconcileSubject to every stored state. Resolved events are queued (deterministic
 * job ids, so two evaluators reconciling at once notify once) before the states change,
 * each chunk in a MULTI guarded by WATCH like a result batch.
 */
export async function reconcileStates(deps: Pick<EvaluationDeps, 'stateRedis' | 'alerts'>, checks: Map<string, CheckConfig>, nowMs = Date.now()): Promise<ReconcileReport> {
  const { stateRedis } = deps;
  await seedSubjects(stateRedis);
  const subjects = await stateRedis.smembers(REDIS_KEYS.subjects);
  const report: ReconcileReport = { deleted: 0, reset: 0, resolved: 0 };
  for (let from = 0; from < subjects.length; from += CHUNK) {
    const chunk = subjects.slice(from, from + CHUNK);
    for (let attempt = 0; ; attempt++) {
      if (attempt === MAX_CONFLICT_RETRIES) throw new Error(`check states kept changing while reconciling (${MAX_CONFLICT_RETRIES} conflicts)`);
      if (await reconcileChunk(deps, checks, chunk, nowMs, report)) break;
    }
  }
  return report;
}

async function reconcileChunk(deps: Pick<EvaluationDeps, 'stateRedis' | 'alerts'>, checks: Map<string, CheckConfig>, subjects: string[], nowMs: number, report: ReconcileReport): Promise<boolean> {
  const { stateRedis } = deps;
  const keys = subjects.map(REDIS_KEYS.checkState);
  await stateRedis.watch(...keys);
  try {
    const texts = await stateRedis.mget(...keys);
    const transaction = stateRedis.multi();
    const events: AlertEvent[] = [];
    const counts = { deleted: 0, reset: 0 };
    subjects.forEach((subject, index) => {
      const text = texts[index];
      if (!text) {
        transaction.srem(REDIS_KEYS.subjects, subject);
        return;
      }
      const state = JSON.parse(text) as StoredState;
      const verdict = reconcileSubject(subject, state, checks, nowMs);
      if (verdict.kind === 'keep') return;
      if (verdict.event) {
        events.push(verdict.event);
        stageAlert(transaction, verdict.event, subject, DOWN_RULE);
      }
      transaction.srem(REDIS_KEYS.failing, subject);
      if (verdict.kind === 'delete') {
        // Its history goes too: nothing lists a removed subject any more.
        transaction.del(REDIS_KEYS.checkState(subject), REDIS_KEYS.stateHistory(subject)).srem(REDIS_KEYS.subjects, subject);
        counts.deleted += 1;
      } else {
        transaction.set(REDIS_KEYS.checkState(subject), JSON.stringify(verdict.state));
        stageTransition(transaction, subject, { atMs: nowMs, from: state.status, to: verdict.state.status, reason: verdict.reason });
        counts.reset += 1;
      }
    });
    await queueAlerts(deps.alerts, events);
    if ((await transaction.exec()) === null) return false;
    report.deleted += counts.deleted;
    report.reset += counts.reset;
    report.resolved += events.length;
    return true;
  } catch (err) {
    await stateRedis.unwatch().catch(() => undefined);
    throw err;
  }
}

/** States written before the subjects set existed are found once by a scan. */
async function seedSubjects(redis: Redis): Promise<void> {
  if ((await redis.exists(REDIS_KEYS.subjects)) === 1) return;
  const prefix = REDIS_KEYS.checkState('');
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1_000);
    cursor = next;
    if (keys.length > 0) await redis.sadd(REDIS_KEYS.subjects, ...keys.map((key) => key.slice(prefix.length)));
  } while (cursor !== '0');
}
