import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { stageAlert, stageTransition, type StateTransition } from '../../libs/alerts/index.js';
import type { CheckConfig } from '../../libs/config/index.js';
import { checkInRegion } from '../../libs/check-registry.js';
import { jobIdOf, type AlertEvent, type ProbeResult, type ResultBatch } from '../../libs/queues/index.js';
import { REDIS_KEYS } from '../../libs/redis-keys.js';
import { alertEventFor, alertIdentityOf, retiredEventFor, type FiringAlert } from './alert-events.js';
import { droppedPoint, probePoint, stateChangePoint } from './points.js';
import type { UnknownSubjects } from './unknown-subjects.js';
import { INITIAL_STATE, step, type CheckState, type CheckStatus, type Step, type Transition } from './state-machine.js';

const MAX_CONFLICT_RETRIES = 10;
/** The rule behind CheckDown alerts, as the alert store records it. */
export const DOWN_RULE = 'down';

export interface EvaluationDeps {
  /** A connection used by nothing else: WATCH is per connection. */
  stateRedis: Redis;
  alerts: Queue<AlertEvent>;
  log: Logger;
  /** Whether points go to the metrics buffer (false when no InfluxDB is configured). */
  recordMetrics: boolean;
  unknown?: UnknownSubjects;
}

/** What the evaluator stores per check and region: the state machine's state and the alert it fired. */
export type StoredState = CheckState & { firing?: FiringAlert };

interface Change {
  /** "<check>@<region>": state is kept per check and region. */
  subject: string;
  region: string;
  check: CheckConfig;
  before: StoredState;
  after: StoredState;
  /** Alert events this batch raises for the subject, in order. */
  events: AlertEvent[];
  transition?: Transition;
  reason?: string;
}

/**
 * What a batch of results does to the stored states. Pure. A result for a check or region
 * no longer configured is only measured. A check whose alert fired under other labels (they
 * were edited) first resolves that alert and starts over, so no alert is left firing that
 * nothing could resolve.
 */
export function applyResults(results: ProbeResult[], checks: Map<string, CheckConfig>, stored: Map<string, StoredState>): { changes: Change[]; points: string[] } {
  const states = new Map<string, StoredState>(stored);
  const changes = new Map<string, Change>();
  const points: string[] = [];
  for (const result of [...results].sort((a, b) => a.scheduledAt - b.scheduledAt)) {
    const check = configuredCheckOf(result, checks);
    if (!check) {
      points.push(probePoint(result, 'unknown'));
      continue;
    }
    if (check.paused) {
      // Probed before the pause took effect: measured, but it changes no state.
      points.push(probePoint(result, 'paused'));
      continue;
    }
    const subject = checkInRegion(result.checkId, result.region);
    const earlier = changes.get(subject);
    const events = earlier?.events ?? [];
    let current: StoredState = states.get(subject) ?? INITIAL_STATE;
    const relabelled = current.firing !== undefined && current.firing.fingerprint !== alertIdentityOf(check, result.region, 0).fingerprint;
    if (relabelled) {
      events.push(retiredEventFor(current.firing!, 'relabelled', result.scheduledAt));
      current = { ...INITIAL_STATE, lastTick: current.lastTick };
    }
    const outcome = step(current, { ok: result.ok, scheduledAt: result.scheduledAt, ...(result.message === undefined ? {} : { message: result.message }) }, check);
    points.push(probePoint(result, outcome.state.status));
    if (outcome.ignored && !relabelled) continue;
    const after = withFiring(outcome, current, check, result.region);
    if (outcome.transition) events.push(alertEventFor(check, result.region, outcome.transition, current.lastMessage, current.firing));
    states.set(subject, after);
    changes.set(subject, {
      subject,
      region: result.region,
      check,
      before: earlier?.before ?? stored.get(subject) ?? INITIAL_STATE,
      after,
      events,
      // A batch holds one tick per check, so at most one transition; keep it if an earlier result made it.
      ...(outcome.transition ? { transition: outcome.transition } : earlier?.transition ? { transition: earlier.transition } : {}),
      ...(result.message === undefined ? {} : { reason: result.message }),
    });
  }
  return { changes: [...changes.values()], points };
}

/** The new state with the identity of the alert that is firing, if one is. */
function withFiring(outcome: Step, current: StoredState, check: CheckConfig, region: string): StoredState {
  const { state, transition } = outcome;
  if (transition?.kind === 'down') return { ...state, firing: alertIdentityOf(check, region, transition.startsAt) };
  if (state.status === 'down' && current.firing) return { ...state, firing: current.firing };
  return state;
}

/**
 * Queues alert events under deterministic ids (fingerprint, status, start), so a retried
 * evaluation or two evaluators reconciling at once add each transition once.
 */
export async function queueAlerts(alerts: Queue<AlertEvent>, events: AlertEvent[]): Promise<void> {
  if (events.length === 0) return;
  // Epoch millis, not the ISO text: BullMQ refuses most custom ids that contain ":".
  await alerts.addBulk(events.map((event) => ({ name: event.status, data: event, opts: { jobId: jobIdOf(event.fingerprint, event.status, Date.parse(event.startsAt)) } })));
}

/** The check a result belongs to, if the configuration probes it from the result's region. */
function configuredCheckOf(result: ProbeResult, checks: Map<string, CheckConfig>): CheckConfig | undefined {
  const check = checks.get(result.checkId);
  return check?.regions.includes(result.region) ? check : undefined;
}

const isFailing = (status: CheckStatus) => status === 'pending' || status === 'down';

/**
 * Applies one batch of results: state machine steps, alert events on transitions, points.
 * Crash-safe in any order of failure: alerts are queued (deterministic job ids) before the
 * states that record them are committed, so a retry re-derives the same events and BullMQ
 * drops the duplicates; states, the failing set and points commit together in one MULTI,
 * guarded by WATCH so concurrent evaluators cannot interleave on a check.
 */
export async function evaluateBatch(deps: EvaluationDeps, checks: Map<string, CheckConfig>, batch: ResultBatch): Promise<void> {
  const unknown = batch.results.filter((result) => !configuredCheckOf(result, checks));
  const evaluated = batch.results.filter((result) => {
    const check = configuredCheckOf(result, checks);
    return check !== undefined && !check.paused;
  });
  if (unknown.length > 0) deps.unknown?.report(unknown.map((result) => checkInRegion(result.checkId, result.region)));
  const ids = [...new Set(evaluated.map((result) => checkInRegion(result.checkId, result.region)))];
  const extraPoints = batch.dropped ? [droppedPoint(batch.region, batch.dropped)] : [];
  for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
    if (await tryCommit(deps, checks, batch.results, ids, extraPoints)) return;
  }
  throw new Error(`check states kept changing under this evaluator (${MAX_CONFLICT_RETRIES} conflicts)`);
}

async function tryCommit(deps: EvaluationDeps, checks: Map<string, CheckConfig>, results: ProbeResult[], ids: string[], extraPoints: string[]): Promise<boolean> {
  const { stateRedis } = deps;
  const keys = ids.map(REDIS_KEYS.checkState);
  if (keys.length > 0) await stateRedis.watch(...keys);
  try {
    const texts = keys.length > 0 ? await stateRedis.mget(...keys) : [];
    const stored = new Map<string, StoredState>();
    texts.forEach((text, index) => {
      if (text) stored.set(ids[index]!, JSON.parse(text) as StoredState);
    });
    const { changes, points } = applyResults(results, checks, stored);
    points.push(...extraPoints);
    const transitions = changes.filter((change) => change.after.status !== change.before.status).map((change) => ({
      change,
      transition: { atMs: change.after.lastTick, from: change.before.status, to: change.after.status, ...(change.reason === undefined ? {} : { reason: change.reason }) } satisfies StateTransition,
    }));
    for (const { change, transition } of transitions) points.push(stateChangePoint(change.check.id, change.region, transition));

    const events = changes.flatMap((change) => change.events);
    await queueAlerts(deps.alerts, events);

    const transaction = stateRedis.multi();
    for (const change of changes) transaction.set(REDIS_KEYS.checkState(change.subject), JSON.stringify(change.after));
    for (const change of changes) for (const event of change.events) stageAlert(transaction, event, change.subject, DOWN_RULE);
    for (const { change, transition } of transitions) stageTransition(transaction, change.subject, transition);
    const created = changes.filter((change) => !stored.has(change.subject)).map((change) => change.subject);
    if (created.length > 0) transaction.sadd(REDIS_KEYS.subjects, ...created);
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
