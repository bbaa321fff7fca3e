/**
 * Commits the states of subjects outside the probe path (watch subjects, the configuration's
 * verdicts) the way updateStates (evaluate.ts) commits check states: read under WATCH, plan,
 * then one MULTI with the states, the alert store, the alert outbox, history, the subject set
 * and points; a conflict with another evaluator plans again from the new states.
 */
import type { ChainableCommander, Redis } from 'ioredis';
import { stageAlert, stageTransition, type StateTransition } from '../../../libs/alerts/index.js';
import { REDIS_KEYS } from '../../../libs/redis-keys.js';
import { stageAlertEvents } from '../alert-outbox.js';
import { forwardCommitted, retryingConflicts, type EvaluationDeps } from '../evaluate.js';
import type { RaisedAlert } from '../rule-alerts.js';

export interface SubjectChange {
  /** The alert store's and history's subject. */
  subject: string;
  /** The Redis key of its state. */
  key: string;
  /** The new state, JSON-serialisable; undefined deletes it (and its history). */
  after: unknown;
  /** The state itself is as it was: only the alert store, history and `stage` are written. */
  unchanged?: boolean;
  /** Further writes of this subject's, in the same MULTI. */
  stage?: (transaction: ChainableCommander) => void;
  /** A set listing the subjects of this kind (REDIS_KEYS.watchSubjects), kept in step with the state. */
  memberOf?: string;
  raised: RaisedAlert[];
  transitions: StateTransition[];
}

export interface SubjectPlan {
  changes: SubjectChange[];
  points?: string[];
}

export type CommitDeps = Pick<EvaluationDeps, 'stateRedis' | 'alerts' | 'log' | 'recordMetrics' | 'metrics'>;

/** Reads `keys` under WATCH, hands their texts to `plan` (in order, null when absent), commits its changes. */
export async function commitSubjects(deps: CommitDeps, keys: string[], plan: (texts: Array<string | null>, redis: Redis) => SubjectPlan | Promise<SubjectPlan>): Promise<SubjectChange[]> {
  return retryingConflicts('watch states', () => tryCommit(deps, keys, plan));
}

async function tryCommit(deps: CommitDeps, keys: string[], plan: (texts: Array<string | null>, redis: Redis) => SubjectPlan | Promise<SubjectPlan>): Promise<SubjectChange[] | undefined> {
  const { stateRedis } = deps;
  if (keys.length === 0) return [];
  await stateRedis.watch(...keys);
  try {
    const { changes, points = [] } = await plan(await stateRedis.mget(...keys), stateRedis);
    if (changes.length === 0 && points.length === 0) {
      await stateRedis.unwatch();
      return [];
    }
    const transaction = stateRedis.multi();
    for (const change of changes) {
      if (change.after === undefined) {
        transaction.del(change.key, REDIS_KEYS.stateHistory(change.subject));
        if (change.memberOf !== undefined) transaction.srem(change.memberOf, change.subject);
      } else if (!change.unchanged) {
        transaction.set(change.key, JSON.stringify(change.after));
        if (change.memberOf !== undefined) transaction.sadd(change.memberOf, change.subject);
      }
      for (const { event, rule, value } of change.raised) stageAlert(transaction, event, change.subject, rule, value);
      for (const transition of change.transitions) stageTransition(transaction, change.subject, transition);
      change.stage?.(transaction);
    }
    const events = changes.flatMap((change) => change.raised.filter((raised) => raised.notify).map((raised) => raised.event));
    stageAlertEvents(transaction, events);
    if (deps.recordMetrics && points.length > 0) transaction.rpush(REDIS_KEYS.metricsBuffer, ...points);
    if ((await transaction.exec()) === null) return undefined;
    if (events.length > 0) await forwardCommitted(deps);
    return changes;
  } catch (err) {
    await stateRedis.unwatch().catch(() => undefined);
    throw err;
  }
}
