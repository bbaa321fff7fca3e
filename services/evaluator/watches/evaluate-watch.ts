/**
 * The watch path of the evaluator: a file agent's batch, the periodic sweep of watch subjects,
 * and the configuration publisher's verdicts, each read and committed through commitSubjects.
 * Decisions are in apply-watch.ts and config-verdict.ts.
 */
import { acknowledgementsOf } from '../../../libs/alerts/index.js';
import type { WatchConfig } from '../../../libs/config/index.js';
import type { ConfigObservationBatch, WatchObservationBatch } from '../../../libs/queues/index.js';
import { REDIS_KEYS } from '../../../libs/redis-keys.js';
import { watchPoint } from '../points.js';
import { applyWatchBatch, changeAlertFingerprints, sweepWatchState, type ProblemObservation, type WatchStep } from './apply-watch.js';
import { commitSubjects, type CommitDeps, type SubjectChange } from './commit.js';
import { applyConfigVerdict, CONFIG_SUBJECT, type ConfigVerdictState } from './config-verdict.js';
import { parseWatchSubject, watchSubject } from './watch-alerts.js';
import type { WatchState } from './watch-state.js';

export interface WatchEvaluationDeps extends CommitDeps {
  /** Reports observations of watches the configuration does not have, rate-limited (unknown-subjects.ts). */
  unknown?: { report(subjects: Iterable<string>): void };
}

function watchChange(subject: string, before: WatchState | undefined, step: WatchStep): SubjectChange {
  const unchanged = before !== undefined && step.after !== undefined && JSON.stringify(before) === JSON.stringify(step.after);
  return {
    subject, key: REDIS_KEYS.watchState(subject), after: step.after, memberOf: REDIS_KEYS.watchSubjects, raised: step.raised, transitions: step.transitions,
    ...(unchanged ? { unchanged } : {}),
    ...(step.after === undefined ? { stage: (transaction) => void transaction.del(REDIS_KEYS.watchBatches(subject)) } : {}),
  };
}

const isNoop = (change: SubjectChange) => change.unchanged === true && change.raised.length === 0 && change.transitions.length === 0;

/** Batch ids are remembered this long: far longer than a stalled batch takes to be taken up again. */
const BATCH_IDS_KEPT_MS = 10 * 60_000;

export interface WatchBatchOptions {
  /** The batch's job id: a batch delivered again (an evaluator died after committing it) is not applied twice. */
  batchId?: string;
  nowMs?: number;
}

/** Applies one batch of a file agent's observations to its watch subject. */
export async function evaluateWatchBatch(deps: WatchEvaluationDeps, watches: Map<string, WatchConfig>, batch: WatchObservationBatch, options: WatchBatchOptions = {}): Promise<void> {
  const { batchId, nowMs = Date.now() } = options;
  const subject = watchSubject(batch.watchId, batch.host);
  const watch = watches.get(batch.watchId);
  if (watch === undefined) {
    deps.unknown?.report([subject]);
    return;
  }
  const applied = REDIS_KEYS.watchBatches(subject);
  let problems: ProblemObservation[] = [];
  const changes = await commitSubjects(deps, [REDIS_KEYS.watchState(subject)], async ([text], redis) => {
    problems = [];
    // Not watched itself: two evaluators applying the same batch both write the watched state, so one of them plans again.
    if (batchId !== undefined && (await redis.zscore(applied, batchId)) !== null) return { changes: [] };
    const before = text ? (JSON.parse(text) as WatchState) : undefined;
    const step = applyWatchBatch(before, batch, watch, nowMs);
    problems = step.problems;
    const change = watchChange(subject, before, step);
    if (batchId !== undefined) change.stage = (transaction) => void transaction.zadd(applied, nowMs, batchId).zremrangebyscore(applied, '-inf', nowMs - BATCH_IDS_KEPT_MS);
    return { changes: [change], points: [watchPoint(batch)] };
  });
  logRaised(deps, changes);
  // Shown, never alerted: a path that cannot be watched is the watch's configuration or the host's business.
  for (const { path, code, message } of problems) {
    deps.log.warn({ watchId: batch.watchId, host: batch.host, path, code, problem: message }, 'a watched path could not be watched or read');
  }
}

/** One line per watch alert that fires or resolves. */
function logRaised(deps: Pick<CommitDeps, 'log'>, changes: readonly SubjectChange[]): void {
  for (const { raised } of changes) {
    for (const { event, notify } of raised) {
      if (!notify) continue;
      const { alertname, watch, host, path } = event.labels;
      const fields = { alertname, watchId: watch, host, path, ...(event.annotations.resolved_reason === undefined ? {} : { reason: event.annotations.resolved_reason }) };
      if (event.status === 'firing') deps.log.warn(fields, 'watch alert firing');
      else deps.log.info(fields, 'watch alert resolved');
    }
  }
}

const SWEEP_CHUNK = 200;

export interface WatchSweepReport {
  resolved: number;
  raised: number;
  removed: number;
}

/**
 * Sweeps every watch subject: what time, acknowledgements and the configuration do to it
 * (sweepWatchState). Run every few seconds, and with `reconcile` at start, on every
 * configuration change and at the periodic reconciliation: only then are alerts of watches
 * removed or relabelled here retired, since between a change and its application here another
 * replica may already be evaluating the new watch.
 */
export async function sweepWatches(deps: CommitDeps, watches: Map<string, WatchConfig>, options: { nowMs?: number; reconcile?: boolean } = {}): Promise<WatchSweepReport> {
  const { nowMs = Date.now(), reconcile = false } = options;
  const subjects = await deps.stateRedis.smembers(REDIS_KEYS.watchSubjects);
  const report: WatchSweepReport = { resolved: 0, raised: 0, removed: 0 };
  for (let from = 0; from < subjects.length; from += SWEEP_CHUNK) {
    const chunk = subjects.slice(from, from + SWEEP_CHUNK);
    const changes = await commitSubjects(deps, chunk.map(REDIS_KEYS.watchState), async (texts, redis) => {
      const states = texts.map((text) => (text ? (JSON.parse(text) as WatchState) : undefined));
      const acks = await acknowledgementsOf(redis, states.flatMap((state) => (state ? changeAlertFingerprints(state) : [])));
      const planned: SubjectChange[] = [];
      chunk.forEach((subject, index) => {
        const state = states[index];
        const parsed = parseWatchSubject(subject);
        if (state === undefined || parsed === undefined) {
          // A member whose state is gone (or that is no watch subject) is only dropped from the set.
          planned.push(watchChange(subject, undefined, { after: undefined, raised: [], transitions: [] }));
          return;
        }
        const watch = watches.get(parsed.watchId);
        if (watch === undefined && !reconcile) return;
        const change = watchChange(subject, state, sweepWatchState(state, watch, parsed.host, nowMs, acks, { reconcile }));
        if (!isNoop(change)) planned.push(change);
      });
      return { changes: planned };
    });
    logRaised(deps, changes);
    for (const change of changes) {
      if (change.after === undefined) report.removed += 1;
      for (const { event, notify } of change.raised) if (notify) report[event.status === 'firing' ? 'raised' : 'resolved'] += 1;
    }
  }
  return report;
}

/** Raises or resolves ConfigRejected from a configuration publisher's verdict. */
export async function evaluateConfigBatch(deps: CommitDeps, batch: ConfigObservationBatch): Promise<void> {
  const changes = await commitSubjects(deps, [REDIS_KEYS.configVerdict], ([text]) => {
    const step = applyConfigVerdict(text ? (JSON.parse(text) as ConfigVerdictState) : undefined, batch);
    return { changes: step ? [{ subject: CONFIG_SUBJECT, key: REDIS_KEYS.configVerdict, after: step.after, raised: step.raised, transitions: step.transitions }] : [] };
  });
  if (changes.length > 0 && !batch.accepted) deps.log.warn({ configSource: batch.configSource, sha: batch.sha, problems: batch.problems?.length ?? 0 }, 'configuration rejected: ConfigRejected raised');
}
