import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { CheckConfig, Config, WatchConfig } from '../../libs/config/index.js';
import { MetricsFlusher, type MetricsWriter } from '../../libs/metrics/index.js';
import { createQueue, createWorker } from '../../libs/queues/index.js';
import type { RunningService } from '../../libs/service.js';
import { evaluateObservations } from './dispatch.js';
import { writeKeptMemories } from './evaluate.js';
import { ParsedStates } from './parsed-states.js';
import { reconcileStates } from './reconcile.js';
import { forwardAlerts } from './alert-outbox.js';
import type { EvaluatorMetrics } from './metrics.js';
import { sweepNoData } from './no-data.js';
import { UnknownSubjects } from './unknown-subjects.js';
import { sweepWatches } from './watches/evaluate-watch.js';
import { sweepHeartbeats } from './heartbeats/evaluate-heartbeat.js';
import { ResultClock, sweepPipeline } from './pipeline-sweep.js';

/** NoData is found at most this late, on top of the check's own `noData.after`. */
const DEFAULT_NO_DATA_SWEEP_MS = 15_000;
/** A heartbeat's missed deadline or run over grace is found at most this late. */
const DEFAULT_HEARTBEAT_SWEEP_MS = 5_000;
/** A stalled pipeline (no probe results at all) is found at most this late, on top of its allowance. */
const DEFAULT_PIPELINE_SWEEP_MS = 5_000;
/** Events are forwarded right after their commit; this only bounds the delay after a crash. */
const DEFAULT_FORWARD_MS = 2_000;
/** FileChanged's resolveAfter and acknowledgements, staleness and log windows are found at most this late. */
const DEFAULT_WATCH_SWEEP_MS = 5_000;
/** Kills of evaluators holding the same batch before BullMQ gives up on it: never, in practice. */
const MAX_STALLED = 1_000;

export interface EvaluatorOptions {
  /** Shared connection for the queues and the metrics flusher. */
  redis: Redis;
  /** A connection for state transactions only (WATCH is per connection). */
  stateRedis: Redis;
  log: Logger;
  config: Config;
  metrics?: MetricsWriter;
  /** Counts alert transitions for /metrics (createEvaluatorMetrics); none: not counted. */
  counters?: EvaluatorMetrics;
  backoffBaseMs?: number;
  flushIdleMs?: number;
  /**
   * Reconciles stored states with the configuration this often as well as at start and on
   * every change, so a state re-created by a replica still on the old configuration is found.
   */
  reconcileEveryMs?: number;
  /** How often subjects are swept for NoData. */
  noDataSweepEveryMs?: number;
  /** How often the alert outbox is checked for events a commit left there. */
  forwardEveryMs?: number;
  /** How often watch subjects are swept (resolveAfter, acknowledgements, maxAge, log windows). */
  watchSweepEveryMs?: number;
  /** How often heartbeat checks are swept for missed deadlines. */
  heartbeatSweepEveryMs?: number;
  /** How often the pipeline watchdog looks for a stop in probe results. */
  pipelineSweepEveryMs?: number;
  /** Silence after which PipelineStalled fires; default from the checks' cadence (pipeline-watchdog.ts). */
  pipelineStalledAfterMs?: number;
}

export interface RunningEvaluator extends RunningService {
  /** Applies a new configuration; resolves once states of removed or relabelled checks and watches are reconciled. */
  apply(config: Config): Promise<void>;
}

/**
 * Consumes batches of observations (probe results, file agents' observations, configuration
 * verdicts: dispatch.ts) one at a time per process (state transactions share
 * one connection); run more evaluator processes to scale out.
 */
export function startEvaluator(options: EvaluatorOptions): RunningEvaluator {
  const { log } = options;
  let checks = indexChecks(options.config);
  let watches = indexWatches(options.config);
  const alerts = createQueue('alerts', options.redis);
  const flusher = options.metrics
    ? new MetricsFlusher({ redis: options.redis, writer: options.metrics, log, ...(options.flushIdleMs === undefined ? {} : { idleMs: options.flushIdleMs }) })
    : undefined;
  flusher?.start();

  // Batches and reconciliations share the state connection, whose WATCH must not interleave.
  let exclusive: Promise<unknown> = Promise.resolve();
  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const next = exclusive.then(work, work);
    exclusive = next.catch(() => undefined);
    return next;
  };

  const deps = { stateRedis: options.stateRedis, alerts, log, recordMetrics: flusher !== undefined, unknown: new UnknownSubjects(log), parsedStates: new ParsedStates(), ...(options.counters ? { metrics: options.counters } : {}) };
  const reconcile = (reason: string): Promise<void> => serially(async () => {
    const report = await reconcileStates(deps, checks);
    if (report.deleted + report.reset > 0) log.info({ reason, ...report }, 'states of removed or relabelled checks reconciled');
  }).catch((err: unknown) => log.error({ err, reason }, 'could not reconcile check states; will try at the next configuration change'));

  const worker = createWorker('results', options.redis, (batch, job) => serially(() => evaluateObservations(deps, { checks, watches }, batch, job.id)), {
    concurrency: 1,
    // A killed evaluator's batch is taken up again within about 20 s, not BullMQ's default 60;
    // and again however often that happens (BullMQ's default fails a batch stalled twice).
    extra: { lockDuration: 10_000, stalledInterval: 10_000, maxStalledCount: MAX_STALLED },
    ...(options.backoffBaseMs === undefined ? {} : { backoffBaseMs: options.backoffBaseMs }),
  });
  worker.on('error', (err) => log.error({ err }, 'evaluator worker error'));
  // After the job, not inside it: recording when results flowed must never fail a batch that committed.
  const resultClock = new ResultClock(options.redis);
  worker.on('completed', (job) => {
    const batch = job.data;
    if ((batch.source === 'probe' || batch.source === undefined) && batch.results.length > 0) {
      resultClock.applied().catch((err: unknown) => log.warn({ err }, 'could not record when probe results were applied'));
    }
  });
  worker.on('failed', (job, err) => log.warn({ err, jobId: job?.id, attempts: job?.attemptsMade }, 'result evaluation failed'));
  void reconcile('start');
  const reconcileEveryMs = options.reconcileEveryMs ?? 5 * 60_000;
  const timer = setInterval(() => void reconcile('periodic'), reconcileEveryMs);
  timer.unref();

  // Events committed by an evaluator that died before forwarding them, or whose forward failed.
  const forward = (): Promise<void> => serially(async () => {
    const forwarded = await forwardAlerts(options.stateRedis, alerts, options.counters);
    if (forwarded > 0) log.info({ forwarded }, 'alert events forwarded from the outbox');
  }).catch((err: unknown) => log.warn({ err }, 'could not forward alert events; they stay in the outbox'));
  void forward();
  const forwarder = setInterval(() => void forward(), options.forwardEveryMs ?? DEFAULT_FORWARD_MS);
  forwarder.unref();

  const watchingSinceMs = Date.now();
  const sweep = (): Promise<void> => serially(async () => {
    const raised = await sweepNoData(deps, checks, Date.now(), watchingSinceMs);
    if (raised > 0) log.warn({ raised }, 'subjects without results: NoData raised');
  }).catch((err: unknown) => log.error({ err }, 'could not sweep for NoData; will try again'));
  const sweeper = setInterval(() => void sweep(), options.noDataSweepEveryMs ?? DEFAULT_NO_DATA_SWEEP_MS);
  sweeper.unref();

  const sweepPipelineStall = (): Promise<void> => serially(async () => {
    const outcome = await sweepPipeline(deps, checks, { nowMs: Date.now(), startedAtMs: watchingSinceMs, ...(options.pipelineStalledAfterMs === undefined ? {} : { stalledAfterMs: options.pipelineStalledAfterMs }) });
    if (outcome === 'fired') log.error('no probe results are arriving: PipelineStalled raised');
    if (outcome === 'resolved') log.info('probe results arrive again: PipelineStalled resolved');
  }).catch((err: unknown) => log.error({ err }, 'could not run the pipeline watchdog; will try again'));
  const pipelineSweeper = setInterval(() => void sweepPipelineStall(), options.pipelineSweepEveryMs ?? DEFAULT_PIPELINE_SWEEP_MS);
  pipelineSweeper.unref();

  const sweepHeartbeatChecks = (): Promise<void> => serially(async () => {
    const down = await sweepHeartbeats(deps, checks, Date.now());
    if (down > 0) log.warn({ down }, 'heartbeats missed their deadline');
  }).catch((err: unknown) => log.error({ err }, 'could not sweep heartbeats; will try again'));
  void sweepHeartbeatChecks();
  const heartbeatSweeper = setInterval(() => void sweepHeartbeatChecks(), options.heartbeatSweepEveryMs ?? DEFAULT_HEARTBEAT_SWEEP_MS);
  heartbeatSweeper.unref();

  // Watches: what time and acknowledgements do, and watches gone from the configuration.
  const sweepWatchSubjects = (reason: string, reconcileWatches = false): Promise<void> => serially(async () => {
    const report = await sweepWatches(deps, watches, { reconcile: reconcileWatches });
    if (report.raised + report.resolved + report.removed > 0) log.info({ reason, ...report }, 'watch alerts swept');
  }).catch((err: unknown) => log.error({ err, reason }, 'could not sweep watch states; will try again'));
  void sweepWatchSubjects('start', true);
  const watchSweeper = setInterval(() => void sweepWatchSubjects('periodic'), options.watchSweepEveryMs ?? DEFAULT_WATCH_SWEEP_MS);
  watchSweeper.unref();
  const watchReconciler = setInterval(() => void sweepWatchSubjects('periodic reconciliation', true), reconcileEveryMs);
  watchReconciler.unref();

  return {
    async apply(config) {
      checks = indexChecks(config);
      watches = indexWatches(config);
      await Promise.all([reconcile('configuration changed'), sweepWatchSubjects('configuration changed', true)]);
    },
    async close() {
      clearInterval(timer);
      clearInterval(sweeper);
      clearInterval(heartbeatSweeper);
      clearInterval(pipelineSweeper);
      clearInterval(watchSweeper);
      clearInterval(watchReconciler);
      clearInterval(forwarder);
      await worker.close();
      await exclusive;
      // The rule memory kept since the last write, so a restart goes on where this one stopped.
      await writeKeptMemories(options.stateRedis, deps.parsedStates).catch((err: unknown) => log.warn({ err }, 'could not write the kept rule memory; the next evaluator starts from the last written one'));
      await flusher?.stop();
      await alerts.close();
    },
  };
}

function indexChecks(config: Config): Map<string, CheckConfig> {
  return new Map(config.checks.map((check) => [check.id, check]));
}

function indexWatches(config: Config): Map<string, WatchConfig> {
  return new Map(config.watches.map((watch) => [watch.id, watch]));
}
