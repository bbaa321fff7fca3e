import { UnrecoverableError, type Job, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { listMaintenanceWindows, syncMaintenanceSet } from '../../libs/alerts/maintenance.js';
import type { Config } from '../../libs/config/index.js';
import { createQueue, createRedis, createWorker, JOB_OPTIONS, type GroupFlushJob, type QueueKind } from '../../libs/queues/index.js';
import type { Queue } from 'bullmq';
import { deliveryProcessor, externalUrlFrom } from './delivery.js';
import { dispatchAlert, dispatchProcessor, type DispatchDeps } from './dispatch.js';
import { armTimer, flushProcessor } from './flush.js';
import { groupTimers } from './groups.js';
import type { NotifierMetrics } from './metrics.js';
import { MuteContext } from './mutes.js';
import { inhibitRulesOf } from './inhibition.js';
import { buildRouteTree } from './routing.js';

export interface NotifierOptions {
  redisUrl: string;
  log: Logger;
  /** Read on every job, so a reloaded configuration applies to the next one. */
  getConfig: () => Config;
  /** Tests shorten the retry backoff; production keeps the default. */
  backoffBaseMs?: number;
  /** Jobs in flight per worker; a slow receiver then holds up only one slot. */
  concurrency?: number;
  /** Defaults to VIGIL_EXTERNAL_URL, then http://localhost. */
  externalUrl?: string;
  /** How often overdue group timers are re-armed and the maintenance set is rewritten. */
  sweepEveryMs?: number;
  /** Counts delivery attempts for /metrics (createNotifierMetrics); none: not counted. */
  metrics?: NotifierMetrics;
}

export interface RunningNotifier {
  /** Lets jobs in flight finish, then closes the notifier's Redis connection. */
  close(): Promise<void>;
  /** One sweep now (tests). */
  sweep(): Promise<void>;
}

const DEFAULT_CONCURRENCY = 8;
/**
 * A killed notifier's jobs are taken up again within about 20 s, not BullMQ's default 60, and
 * however often that happens: a delivery that stalls is one whose sender died mid-send, and it
 * must still be delivered (with the same notification id).
 */
const LOCKS = { lockDuration: 10_000, stalledInterval: 10_000, maxStalledCount: 1_000 };
const DEFAULT_SWEEP_EVERY_MS = 10_000;
/** A timer this late has lost its job (a crash between setting it and queueing the job). */
const OVERDUE_AFTER_MS = 5_000;

/** The notifier's workers on one connection: alerts → groups → flushes → deliveries → receivers. */
export function startNotifier(options: NotifierOptions): RunningNotifier {
  const { log, getConfig } = options;
  const connection = createRedis(options.redisUrl);
  connection.on('error', (err) => log.warn({ err }, 'redis connection error'));
  const settings = { concurrency: options.concurrency ?? DEFAULT_CONCURRENCY, extra: LOCKS, ...(options.backoffBaseMs === undefined ? {} : { backoffBaseMs: options.backoffBaseMs }) };

  const routeTree = perConfig(getConfig, (config) => buildRouteTree(config.routes, config.channels.map((channel) => channel.id), config.defaultRoute));
  const inhibitRules = perConfig(getConfig, inhibitRulesOf);
  const deliveries = createQueue('deliveries', connection);
  const flushes = createQueue('group-flushes', connection);
  const dispatch: DispatchDeps = { redis: connection, flushes, routeTree, log };
  const mutes = new MuteContext(connection);
  const externalUrl = options.externalUrl ?? externalUrlFrom();
  const workers = [
    watch('alerts', createWorker('alerts', connection, dispatchProcessor(dispatch), settings), log),
    watch('group-flushes', createWorker('group-flushes', connection, flushProcessor({ redis: connection, deliveries, flushes, getConfig, routeTree, inhibitRules, mutes, reroute: (alert) => dispatchAlert(dispatch, alert), log }), settings), log),
    watch('deliveries', createWorker('deliveries', connection, deliveryProcessor({ redis: connection, getConfig, externalUrl, log, ...(options.metrics ? { metrics: options.metrics } : {}) }), settings), log),
  ];

  const sweep = async (): Promise<void> => {
    await rearmOverdueTimers(connection, flushes, log);
    const now = new Date();
    const change = await syncMaintenanceSet(connection, await listMaintenanceWindows(connection, now), getConfig().checks.map((check) => ({ id: check.id, labels: check.labels })), now);
    if (change.entered.length > 0) log.info({ checkIds: change.entered }, 'checks entered maintenance');
    if (change.left.length > 0) log.info({ checkIds: change.left }, 'checks left maintenance');
  };
  const timer = setInterval(() => void sweep().catch((err: unknown) => log.warn({ err }, 'notifier sweep failed; will try again')), options.sweepEveryMs ?? DEFAULT_SWEEP_EVERY_MS);
  timer.unref();
  void sweep().catch((err: unknown) => log.warn({ err }, 'notifier sweep failed; will try again'));

  return {
    sweep,
    async close() {
      clearInterval(timer);
      await Promise.all(workers.map((worker) => worker.close()));
      await Promise.all([deliveries.close(), flushes.close()]);
      await connection.quit();
    },
  };
}

/** What `build` makes of the configuration running now, made again only when the configuration changes. */
function perConfig<T>(getConfig: () => Config, build: (config: Config) => T): () => T {
  let built: { config: Config; value: T } | undefined;
  return () => {
    const config = getConfig();
    if (built?.config !== config) built = { config, value: build(config) };
    return built.value;
  };
}

/** Timers whose job was lost (a notifier died between the two writes) get their job back. */
async function rearmOverdueTimers(redis: Redis, flushes: Queue<GroupFlushJob>, log: Logger): Promise<void> {
  const nowMs = Date.now();
  const overdue = (await groupTimers(redis)).filter((timer) => timer.nextFlushAtMs < nowMs - OVERDUE_AFTER_MS);
  for (const { groupKey, nextFlushAtMs } of overdue) await armTimer(flushes, groupKey, nextFlushAtMs, nowMs);
  if (overdue.length > 0) log.info({ groups: overdue.length }, 'overdue group timers re-armed');
}

function watch<W extends Worker>(kind: QueueKind, worker: W, log: Logger): W {
  worker.on('error', (err) => log.error({ err, queue: kind }, 'worker error'));
  worker.on('failed', (job: Job | undefined, err: Error) => {
    if (job === undefined) return void log.error({ err, queue: kind }, 'job failed');
    const attempts = job.attemptsMade;
    const maxAttempts = job.opts.attempts ?? JOB_OPTIONS[kind].attempts ?? 1;
    const fields = { err, queue: kind, jobId: job.id, attempts, ...describeJob(job) };
    if (err instanceof UnrecoverableError || err.name === 'UnrecoverableError' || attempts >= maxAttempts) {
      log.error(fields, kind === 'deliveries' ? 'notification abandoned' : `${kind} job abandoned`);
    } else {
      log.warn(fields, kind === 'deliveries' ? 'notification attempt failed; will retry' : `${kind} job failed; will retry`);
    }
  });
  return worker;
}

function describeJob(job: Job): Record<string, unknown> {
  const data: unknown = job.data;
  if (data === null || typeof data !== 'object') return {};
  const { channelId, fingerprint, groupKey } = data as { channelId?: unknown; fingerprint?: unknown; groupKey?: unknown };
  return {
    ...(typeof channelId === 'string' ? { channelId } : {}),
    ...(typeof fingerprint === 'string' ? { fingerprint } : {}),
    ...(typeof groupKey === 'string' ? { groupKey } : {}),
  };
}
