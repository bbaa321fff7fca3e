import { UnrecoverableError, type Job, type Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../../libs/config/index.js';
import { createQueue, createRedis, createWorker, JOB_OPTIONS, type QueueKind } from '../../libs/queues/index.js';
import { deliveryProcessor, externalUrlFrom } from './delivery.js';
import { dispatchProcessor } from './dispatch.js';

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
}

export interface RunningNotifier {
  /** Lets jobs in flight finish, then closes the notifier's Redis connection. */
  close(): Promise<void>;
}

const DEFAULT_CONCURRENCY = 4;

/** Both notifier workers on one connection: alerts → deliveries → receivers. */
export function startNotifier(options: NotifierOptions): RunningNotifier {
  const { log, getConfig } = options;
  const connection = createRedis(options.redisUrl);
  connection.on('error', (err) => log.warn({ err }, 'redis connection error'));
  const settings = { concurrency: options.concurrency ?? DEFAULT_CONCURRENCY, ...(options.backoffBaseMs === undefined ? {} : { backoffBaseMs: options.backoffBaseMs }) };

  const deliveries = createQueue('deliveries', connection);
  const workers = [
    watch('alerts', createWorker('alerts', connection, dispatchProcessor({ deliveries, getConfig, log }), settings), log),
    watch('deliveries', createWorker('deliveries', connection, deliveryProcessor({ redis: connection, getConfig, externalUrl: options.externalUrl ?? externalUrlFrom(), log }), settings), log),
  ];

  return {
    async close() {
      await Promise.all(workers.map((worker) => worker.close()));
      await deliveries.close();
      await connection.quit();
    },
  };
}

function watch<W extends Worker>(kind: QueueKind, worker: W, log: Logger): W {
  worker.on('error', (err) => log.error({ err, queue: kind }, 'worker error'));
  worker.on('failed', (job: Job | undefined, err: Error) => {
    if (job === undefined) return void log.error({ err, queue: kind }, 'job failed');
    const attempts = job.attemptsMade;
    const maxAttempts = job.opts.attempts ?? JOB_OPTIONS[kind].attempts ?? 1;
    const fields = { err, queue: kind, jobId: job.id, attempts, ...describeJob(job) };
    if (err instanceof UnrecoverableError || err.name === 'UnrecoverableError' || attempts >= maxAttempts) {
      log.error(fields, kind === 'deliveries' ? 'notification abandoned' : 'alert dispatch abandoned');
    } else {
      log.warn(fields, kind === 'deliveries' ? 'notification attempt failed; will retry' : 'alert dispatch failed; will retry');
    }
  });
  return worker;
}

function describeJob(job: Job): Record<string, unknown> {
  const data: unknown = job.data;
  if (data === null || typeof data !== 'object') return {};
  const { channelId, fingerprint } = data as { channelId?: unknown; fingerprint?: unknown };
  return {
    ...(typeof channelId === 'string' ? { channelId } : {}),
    ...(typeof fingerprint === 'string' ? { fingerprint } : {}),
  };
}
