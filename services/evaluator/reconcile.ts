import type { Redis } from 'ioredis';
import { stageAlert, stageTransition } from '../../libs/alerts/index.js';
import { parseSubject } from '../../libs/check-registry.js';
import type { CheckConfig } from '../../libs/config/index.js';
import type { AlertEvent } from '../../libs/queues/index.js';
import { REDIS_KEYS } from '../../libs/redis-keys.js';
import { ALL_REGIONS, retiredEventFor, type FiringAlert, type RetireReason } from './alert-events.js';
import { ruleOfAlert, staleAlerts, usesQuorum } from './apply.js';
import { forwardAlerts, stageAlertEvents } from './alert-outbox.js';
import type { EvaluationDeps } from './evaluate.js';
import { MEASURED_RULES } from './rule-alerts.js';
import { firingAlertsOf, shownStatus, type StoredState } from './stored-state.js';
import { INITIAL_STATE } from './state-machine.js';

/**
 * After a configuration change (and at start): states of checks that are gone, or probed
 * from a region no longer listed, are deleted, and their firing alerts resolved; a check whose
 * labels changed while an alert fired resolves it and starts over; an alert of a rule taken out
 * of the check resolves. Without this an alert of a removed or renamed check would fire for
 * ever. A paused check resolves its alerts and shows `paused`; resumed, it starts over.
 */

export type Verdict =
  | { kind: 'keep' }
  | { kind: 'delete'; events: AlertEvent[] }
  /** Starts over (a transition is recorded). */
  | { kind: 'reset'; state: StoredState; reason: string; events: AlertEvent[] }
  /** Keeps its status; only alerts of rules no longer configured go. */
  | { kind: 'update'; state: StoredState; events: AlertEvent[] };

export { parseSubject };

function retired(alerts: FiringAlert[], reason: RetireReason, nowMs: number): AlertEvent[] {
  return alerts.map((alert) => retiredEventFor(alert, reason, nowMs));
}

/** What the current configuration means for one stored state. Pure. */
export function reconcileSubject(subject: string, state: StoredState, checks: Map<string, CheckConfig>, nowMs: number): Verdict {
  const { checkId, region } = parseSubject(subject);
  const check = checks.get(checkId);
  const exists = check !== undefined && (region === ALL_REGIONS ? usesQuorum(check) : check.regions.includes(region));
  if (!exists) return { kind: 'delete', events: retired(firingAlertsOf(state), 'removed', nowMs) };
  const restarted: StoredState = { ...INITIAL_STATE, lastTick: state.lastTick };
  if (check.paused) {
    if (state.status === 'paused') return { kind: 'keep' };
    return { kind: 'reset', state: { ...restarted, status: 'paused' }, reason: 'check paused', events: retired(firingAlertsOf(state), 'paused', nowMs) };
  }
  // Unpaused: it starts over, as a new check would.
  if (state.status === 'paused') return { kind: 'reset', state: restarted, reason: 'check resumed', events: [] };
  const stale = staleAlerts(state, check, region);
  if (stale.length > 0) return { kind: 'reset', state: restarted, reason: 'labels, regions or id changed', events: retired(firingAlertsOf(state), 'relabelled', nowMs) };
  return withoutRemovedRules(state, check, region, nowMs);
}

/** Resolves the alerts of rules the check no longer has (a region's own CheckDown once quorum decides). */
function withoutRemovedRules(state: StoredState, check: CheckConfig, region: string, nowMs: number): Verdict {
  const gone: FiringAlert[] = [];
  const next: StoredState = { ...state, ruleAlerts: { ...state.ruleAlerts } };
  for (const rule of MEASURED_RULES) {
    const alert = next.ruleAlerts![rule.name];
    if (alert === undefined || rule.configOf(check) !== undefined) continue;
    gone.push(alert);
    delete next.ruleAlerts![rule.name];
  }
  if (Object.keys(next.ruleAlerts!).length === 0) delete next.ruleAlerts;
  if (next.noData && check.noData === false) {
    gone.push(next.noData);
    delete next.noData;
  }
  if (next.firing && region !== ALL_REGIONS && usesQuorum(check)) {
    gone.push(next.firing);
    delete next.firing;
  }
  return gone.length === 0 ? { kind: 'keep' } : { kind: 'update', state: next, events: retired(gone, 'rule-removed', nowMs) };
}

const CHUNK = 500;
const MAX_CONFLICT_RETRIES = 10;

export interface ReconcileReport {
  deleted: number;
  reset: number;
  resolved: number;
}

/**
 * Applies reconcileSubject to every stored state, each chunk in a MULTI guarded by WATCH like
 * a result batch, its resolved events going through the outbox (alert-outbox.ts): two
 * evaluators reconciling at once notify once, since the second finds the states changed.
 */
export async function reconcileStates(deps: Pick<EvaluationDeps, 'stateRedis' | 'alerts' | 'metrics'>, checks: Map<string, CheckConfig>, nowMs = Date.now()): Promise<ReconcileReport> {
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

async function reconcileChunk(deps: Pick<EvaluationDeps, 'stateRedis' | 'alerts' | 'metrics'>, checks: Map<string, CheckConfig>, subjects: string[], nowMs: number, report: ReconcileReport): Promise<boolean> {
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
      for (const event of verdict.events) {
        events.push(event);
        stageAlert(transaction, event, subject, ruleOfAlert(event));
      }
      if (verdict.kind === 'update') {
        transaction.set(REDIS_KEYS.checkState(subject), JSON.stringify(verdict.state));
        return;
      }
      transaction.srem(REDIS_KEYS.failing, subject);
      if (verdict.kind === 'delete') {
        // Its history goes too: nothing lists a removed subject any more.
        transaction.del(REDIS_KEYS.checkState(subject), REDIS_KEYS.ruleMemory(subject), REDIS_KEYS.stateHistory(subject)).srem(REDIS_KEYS.subjects, subject);
        counts.deleted += 1;
      } else {
        transaction.set(REDIS_KEYS.checkState(subject), JSON.stringify(verdict.state));
        stageTransition(transaction, subject, { atMs: nowMs, from: shownStatus(state), to: shownStatus(verdict.state), reason: verdict.reason });
        counts.reset += 1;
      }
    });
    stageAlertEvents(transaction, events);
    if ((await transaction.exec()) === null) return false;
    if (events.length > 0) await forwardAlerts(stateRedis, deps.alerts, deps.metrics);
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
