import type { Redis } from 'ioredis';
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { CheckConfig } from '../../libs/config/index.js';
import { jobIdOf, type AlertEvent, type ProbeResult } from '../../libs/queues/index.js';
import { REDIS_KEYS } from '../../libs/redis-keys.js';
import { alertEventFor } from './alert-events.js';
import { probePoint } from './points.js';
import { INITIAL_STATE, step, type CheckState } from './state-machine.js';

const MAX_CONFLICT_RETRIES = 10;

export interface EvaluationDeps {
  /** A connection used by nothing else: WATCH is per connection. */
  stateRedis: Redis;
  alerts: Queue<AlertEvent>;
  log: Logger;
  /** Whether points go to the metrics buffer (false when no InfluxDB is configured). */
  recordMetrics: boolean;
}

/**
 * Applies one result: state machine step, alert event on a transition, metric point.
 * Crash-safe in any order of failure: the alert is queued (with a deterministic job id)
 * before the state that records it is committed, so a retry after a crash re-derives the
 * same event and BullMQ drops the duplicate; state and point commit together in one MULTI,
 * guarded by WATCH so concurrent evaluators of the same check cannot interleave.
 */
export async function evaluateResult(deps: EvaluationDeps, check: CheckConfig | undefined, result: ProbeResult): Promise<void> {
  const { stateRedis, log } = deps;
  if (!check) {
    // The check was removed from the configuration after this probe ran: keep the measurement only.
    if (deps.recordMetrics) await stateRedis.rpush(REDIS_KEYS.metricsBuffer, probePoint(result, 'unknown'));
    log.debug({ checkId: result.checkId }, 'result for a check no longer configured');
    return;
  }
  const key = REDIS_KEYS.checkState(check.id);
  for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
    if (await tryCommit(deps, check, result, key)) return;
  }
  throw new Error(`state of check ${check.id} kept changing under this evaluator (${MAX_CONFLICT_RETRIES} conflicts)`);
}

/** One optimistic attempt; false when another evaluator changed the state in between. */
async function tryCommit(deps: EvaluationDeps, check: CheckConfig, result: ProbeResult, key: string): Promise<boolean> {
  const { stateRedis, log } = deps;
  await stateRedis.watch(key);
  try {
    const stored = await stateRedis.get(key);
    const previous: CheckState = stored ? (JSON.parse(stored) as CheckState) : INITIAL_STATE;
    const outcome = step(previous, { ok: result.ok, scheduledAt: result.scheduledAt, ...(result.message === undefined ? {} : { message: result.message }) }, check);

    if (outcome.transition) {
      const event = alertEventFor(check, outcome.transition, previous.lastMessage);
      // Epoch millis, not the ISO text: BullMQ refuses most custom ids that contain ":".
      await deps.alerts.add(event.status, event, { jobId: jobIdOf(event.fingerprint, event.status, Date.parse(event.startsAt)) });
    }
    const transaction = stateRedis.multi();
    if (!outcome.ignored) transaction.set(key, JSON.stringify(outcome.state));
    if (deps.recordMetrics) transaction.rpush(REDIS_KEYS.metricsBuffer, probePoint(result, outcome.state.status));
    if ((await transaction.exec()) === null) return false;

    if (outcome.transition) {
      const fields = { checkId: check.id, status: outcome.state.status, reason: result.message };
      if (outcome.transition.kind === 'down') log.warn(fields, 'check is down');
      else log.info(fields, 'check recovered');
    } else if (!outcome.ignored && outcome.state.status !== previous.status) {
      log.info({ checkId: check.id, from: previous.status, to: outcome.state.status, reason: result.message }, 'check state changed');
    }
    return true;
  } catch (err) {
    await stateRedis.unwatch().catch(() => undefined);
    throw err;
  }
}
