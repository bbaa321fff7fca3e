import type { Queue } from 'bullmq';
import type { ChainableCommander, Redis } from 'ioredis';
import type { Logger } from 'pino';
import { stageAlert, stageTransition } from '../../libs/alerts/index.js';
import { forwardAlerts, stageAlertEvents } from './alert-outbox.js';
import type { CheckConfig } from '../../libs/config/index.js';
import { checkInRegion, parseSubject } from '../../libs/check-registry.js';
import type { AlertEvent, ProbeResultBatch } from '../../libs/queues/index.js';
import { REDIS_KEYS } from '../../libs/redis-keys.js';
import { ALL_REGIONS } from './alert-events.js';
import { applyResults, configuredCheckOf, subjectsRead, type Change } from './apply.js';
import { droppedPoint, stateChangePoint } from './points.js';
import { shownStatus, type StoredState } from './stored-state.js';
import type { UnknownSubjects } from './unknown-subjects.js';
import type { EvaluatorMetrics } from './metrics.js';
import type { KeptState, ParsedStates } from './parsed-states.js';
import type { CheckStatus } from './state-machine.js';

/** Plans after a conflict with another evaluator before a batch fails (and BullMQ retries it). */
const MAX_CONFLICT_RETRIES = 10;

export interface EvaluationDeps {
  /** A connection used by nothing else: WATCH is per connection. */
  stateRedis: Redis;
  alerts: Queue<AlertEvent>;
  log: Logger;
  /** Whether points go to the metrics buffer (false when no InfluxDB is configured). */
  recordMetrics: boolean;
  unknown?: UnknownSubjects;
  /** States this evaluator wrote, kept parsed (parsed-states.ts); without it every state is parsed. */
  parsedStates?: ParsedStates;
  /** Counts forwarded alert transitions for /metrics. */
  metrics?: EvaluatorMetrics;
}

const isFailing = (status: CheckStatus) => status === 'pending' || status === 'down';

/** Applies one batch of probe results (apply.ts) and commits what it changes (updateStates). */
export async function evaluateBatch(deps: EvaluationDeps, checks: Map<string, CheckConfig>, batch: ProbeResultBatch): Promise<void> {
  const unknown = batch.results.filter((result) => !configuredCheckOf(result, checks));
  if (unknown.length > 0) deps.unknown?.report(unknown.map((result) => checkInRegion(result.checkId, result.region)));
  const extraPoints = batch.dropped ? [droppedPoint(batch.region, batch.dropped)] : [];
  const subjects = subjectsRead(batch.results, checks);
  await updateStates(deps, subjects, async (stored) => {
    const maintenance = await checksInMaintenance(deps.stateRedis, subjects);
    const { changes, points } = applyResults(batch.results, checks, stored, { maintenance });
    return { changes, points: [...points, ...extraPoints] };
  });
}

export interface Plan {
  changes: Change[];
  points: string[];
}

/**
 * Reads the states of `subjects` under WATCH, lets `plan` decide what changes, and commits
 * states, the alert store, alert events (to the outbox, alert-outbox.ts), history, the failing
 * set and points in one MULTI, so none of them exists without the others. A conflict (another
 * evaluator wrote one of the states) plans again from the new states.
 */
export async function updateStates(deps: EvaluationDeps, subjects: string[], plan: (stored: Map<string, StoredState>) => Plan | Promise<Plan>): Promise<Change[]> {
  return retryingConflicts('check states', () => tryCommit(deps, subjects, plan));
}

/** Runs a WATCH/MULTI attempt until it commits (returns a value; undefined is a conflict), at most MAX_CONFLICT_RETRIES times. */
export async function retryingConflicts<T>(what: string, attempt: () => Promise<T | undefined>): Promise<T> {
  for (let tries = 0; tries < MAX_CONFLICT_RETRIES; tries++) {
    const committed = await attempt();
    if (committed !== undefined) return committed;
  }
  throw new Error(`${what} kept changing under this evaluator (${MAX_CONFLICT_RETRIES} conflicts)`);
}

async function tryCommit(deps: EvaluationDeps, subjects: string[], plan: (stored: Map<string, StoredState>) => Plan | Promise<Plan>): Promise<Change[] | undefined> {
  const { stateRedis } = deps;
  const keys = subjects.map(REDIS_KEYS.checkState);
  if (keys.length > 0) await stateRedis.watch(...keys);
  try {
    const { stored, kept } = await readStates(deps, subjects, keys.length > 0 ? await stateRedis.mget(...keys) : []);
    const { changes, points } = await plan(stored);
    for (const change of changes) for (const transition of change.transitions) points.push(stateChangePoint(change.check.id, change.region, transition));
    const events = changes.flatMap((change) => change.raised.filter((raised) => raised.notify).map((raised) => raised.event));

    const transaction = stateRedis.multi();
    const nowMs = Date.now();
    const written = changes.map((change) => stageState(transaction, change, kept.get(change.subject), nowMs));
    for (const change of changes) for (const { event, rule, value } of change.raised) stageAlert(transaction, event, change.subject, rule, value);
    stageAlertEvents(transaction, events);
    for (const change of changes) for (const transition of change.transitions) stageTransition(transaction, change.subject, transition);
    const created = changes.filter((change) => !stored.has(change.subject)).map((change) => change.subject);
    if (created.length > 0) transaction.sadd(REDIS_KEYS.subjects, ...created);
    // The failing set drives probe cadence, so it holds regions' subjects, never a quorum's.
    const probed = changes.filter((change) => change.region !== ALL_REGIONS);
    const startFailing = probed.filter((c) => isFailing(c.after.status) && !isFailing(c.before.status)).map((c) => c.subject);
    const stopFailing = probed.filter((c) => !isFailing(c.after.status) && isFailing(c.before.status)).map((c) => c.subject);
    if (startFailing.length > 0) transaction.sadd(REDIS_KEYS.failing, ...startFailing);
    if (stopFailing.length > 0) transaction.srem(REDIS_KEYS.failing, ...stopFailing);
    // Only checks with a retryInterval change cadence; the rest need no re-planning.
    const recadenced = probed.filter((c) => c.check.retryIntervalMs !== undefined && isFailing(c.after.status) !== isFailing(c.before.status));
    if (recadenced.length > 0) transaction.publish(REDIS_KEYS.failingChanged, recadenced.map((c) => c.subject).join(','));
    if (deps.recordMetrics && points.length > 0) transaction.rpush(REDIS_KEYS.metricsBuffer, ...points);
    if ((await transaction.exec()) === null) return undefined;
    changes.forEach((change, index) => deps.parsedStates?.remember(change.subject, written[index]!.text, { state: change.after, ...written[index]!.memory }));

    logChanges(deps.log, changes);
    if (events.length > 0) await forwardCommitted(deps);
    return changes;
  } catch (err) {
    await stateRedis.unwatch().catch(() => undefined);
    throw err;
  }
}

/**
 * Rule memory (latency windows, anomaly samples, streaks) is statistics, not state: it is
 * written to its own key at most this often per subject, while the state itself is written on
 * every change. With the rules on, the memory is most of the bytes, and writing it on every
 * result cost more than the rules' arithmetic. The evaluator that wrote a state keeps the
 * newest memory itself (parsed-states.ts); another replica, or this one after a restart, goes
 * on from the written memory, missing at most this much of a window. A stopping evaluator
 * writes what it kept (writeKeptMemories).
 */
export const MEMORY_WRITE_EVERY_MS = 10_000;

/**
 * The states of `subjects` from their texts: the kept parsed copy where Redis still holds the
 * text this evaluator wrote, else parsed, with the rule memory read from its own key.
 */
async function readStates(deps: EvaluationDeps, subjects: string[], texts: Array<string | null>): Promise<{ stored: Map<string, StoredState>; kept: Map<string, KeptState> }> {
  const stored = new Map<string, StoredState>();
  const kept = new Map<string, KeptState>();
  const misses: string[] = [];
  texts.forEach((text, index) => {
    if (!text) return;
    const subject = subjects[index]!;
    const found = deps.parsedStates?.take(subject, text);
    if (found !== undefined) {
      stored.set(subject, found.state);
      kept.set(subject, found);
      return;
    }
    stored.set(subject, JSON.parse(text) as StoredState);
    misses.push(subject);
  });
  if (misses.length === 0) return { stored, kept };
  const memories = await deps.stateRedis.mget(...misses.map(REDIS_KEYS.ruleMemory));
  misses.forEach((subject, index) => {
    const text = memories[index];
    if (text) stored.get(subject)!.memory = JSON.parse(text) as StoredState['memory'];
  });
  return { stored, kept };
}

/** Stages a changed state (without its memory) and, when due, its memory; returns what was written. */
function stageState(transaction: ChainableCommander, change: Change, kept: KeptState | undefined, nowMs: number): { text: string; memory: Pick<KeptState, 'memoryWrittenAtMs' | 'memoryDirty'> } {
  const { memory, ...state } = change.after;
  const text = JSON.stringify(state);
  transaction.set(REDIS_KEYS.checkState(change.subject), text);
  if (memory === undefined) {
    if (change.before.memory !== undefined) transaction.del(REDIS_KEYS.ruleMemory(change.subject));
    return { text, memory: { memoryWrittenAtMs: kept?.memoryWrittenAtMs ?? 0, memoryDirty: false } };
  }
  const writtenAtMs = kept?.memoryWrittenAtMs ?? 0;
  if (nowMs - writtenAtMs < MEMORY_WRITE_EVERY_MS) return { text, memory: { memoryWrittenAtMs: writtenAtMs, memoryDirty: true } };
  transaction.set(REDIS_KEYS.ruleMemory(change.subject), JSON.stringify(memory));
  return { text, memory: { memoryWrittenAtMs: nowMs, memoryDirty: false } };
}

/** Writes the rule memories this evaluator kept newer than Redis's (at shutdown). */
export async function writeKeptMemories(redis: Redis, parsedStates: ParsedStates): Promise<number> {
  const memories = parsedStates.unwrittenMemories();
  if (memories.length === 0) return 0;
  const pipeline = redis.pipeline();
  for (const { subject, memory } of memories) pipeline.set(REDIS_KEYS.ruleMemory(subject), JSON.stringify(memory));
  await pipeline.exec();
  return memories.length;
}

/**
 * Forwards the outbox right after a commit that added to it. A failure here loses nothing: the
 * events stay in the outbox for the evaluator's periodic forwarding.
 */
export async function forwardCommitted(deps: Pick<EvaluationDeps, 'stateRedis' | 'alerts' | 'log' | 'metrics'>): Promise<void> {
  try {
    await forwardAlerts(deps.stateRedis, deps.alerts, deps.metrics);
  } catch (err) {
    deps.log.warn({ err }, 'could not forward alert events yet; they stay in the outbox');
  }
}

/** The checks among `subjects` that are in a maintenance window now. */
async function checksInMaintenance(redis: Redis, subjects: string[]): Promise<Set<string>> {
  const checkIds = [...new Set(subjects.map((subject) => parseSubject(subject).checkId))];
  if (checkIds.length === 0) return new Set();
  const member = await redis.smismember(REDIS_KEYS.maintenance, ...checkIds);
  return new Set(checkIds.filter((_, index) => member[index] === 1));
}

function logChanges(log: Logger, changes: Change[]): void {
  for (const { check, region, transitions } of changes) {
    for (const { from, to, reason } of transitions) {
      if (to === 'down') log.warn({ checkId: check.id, region, reason }, 'check is down');
      else if (from === 'down' && to === 'up') log.info({ checkId: check.id, region }, 'check recovered');
      else log.info({ checkId: check.id, region, from, to, reason }, 'check state changed');
    }
  }
}
