import { hostname } from 'node:os';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { CheckCache } from '../../libs/check-registry.js';
import type { CheckConfig } from '../../libs/config/index.js';
import { toLine } from '../../libs/metrics/index.js';
import { runProbe } from '../../libs/probes/index.js';
import { createQueue, createWorker, jobIdOf, scheduledAtOf, type ProbeResult, type ProbeSlotJob } from '../../libs/queues/index.js';
import { REDIS_KEYS } from '../../libs/redis-keys.js';
import type { RunningService } from '../../libs/service.js';
import { ProbeLimiter } from './limiter.js';

export interface ProbeWorkerOptions {
  redis: Redis;
  log: Logger;
  region: string;
  /** Probes in flight in this process. */
  concurrency: number;
  /** Probes in flight against one target host. */
  hostConcurrency?: number;
  /** Slot jobs taken at once; a slot waits for its slowest probe, so several overlap. */
  slotConcurrency?: number;
  /** How late a probe of a job retried after a crash may still start. */
  recoveryGraceMs?: number;
  /** How soon a crashed worker's job is noticed and handed to another worker. */
  lockDurationMs?: number;
  workerId?: string;
}

function sleepUntil(epochMs: number): Promise<void> {
  const waitMs = epochMs - Date.now();
  return waitMs > 0 ? new Promise((resolve) => setTimeout(resolve, waitMs)) : Promise.resolve();
}

/** Where a probe goes, for the per-host cap. */
export function targetHostOf(check: CheckConfig): string {
  if ('url' in check) return new URL(check.url).host;
  if ('host' in check && typeof check.host === 'string') return check.host;
  if ('server' in check && typeof check.server === 'string') return check.server;
  return check.type;
}

/**
 * Takes due slots of one region, probes their checks and queues the slot's results as one
 * job. A down target is a result with ok: false; only a failure to reach Redis throws (and
 * BullMQ retries the slot). A probe that could not start within its interval is dropped and
 * counted, not run late: a burst of stale probes after a stall would measure nothing useful
 * and delay fresh ones. A slot retried after a worker crash gets recoveryGraceMs more.
 */
export function startProbeWorker(options: ProbeWorkerOptions): RunningService {
  const { log, region, redis } = options;
  const workerId = options.workerId ?? `${hostname()}:${process.pid}`;
  const results = createQueue('results', redis);
  const checks = new CheckCache(redis);
  const limiter = new ProbeLimiter(options.concurrency, options.hostConcurrency ?? Math.max(1, Math.ceil(options.concurrency / 4)));
  const recoveryGraceMs = options.recoveryGraceMs ?? 30_000;
  const lockDurationMs = options.lockDurationMs ?? 10_000;

  const probeOne = async (check: CheckConfig, scheduledAt: number, maxLateMs: number): Promise<ProbeResult | undefined> => {
    await sleepUntil(scheduledAt);
    const release = await limiter.acquire(targetHostOf(check));
    try {
      const startedAt = Date.now();
      if (startedAt - scheduledAt > maxLateMs) return undefined;
      const outcome = await runProbe(check);
      return { checkId: check.id, checkType: check.type, region, scheduledAt, startedAt, workerId, ...outcome };
    } finally {
      release();
    }
  };

  const runSlot = async (slot: ProbeSlotJob, job: Job<ProbeSlotJob>): Promise<void> => {
    const slotStart = scheduledAtOf(job) + slot.leadMs;
    const recovering = job.attemptsMade > 0 || (job.stalledCounter ?? 0) > 0;
    const maxLateMs = slot.intervalMs + (recovering ? recoveryGraceMs : 0);
    const due = await checks.resolve(slot.checks);
    const phases = new Map(slot.checks.map((entry) => [entry.id, entry.phaseMs]));
    const outcomes = await Promise.all(due.map((check) => probeOne(check, slotStart + (phases.get(check.id) ?? 0), maxLateMs)));
    const done = outcomes.filter((result): result is ProbeResult => result !== undefined);
    const dropped = due.length - done.length;
    if (done.length > 0) {
      await results.add('results', { region, results: done }, { jobId: jobIdOf('results', job.repeatJobKey ?? job.name, slotStart) });
    }
    if (dropped > 0) {
      log.warn({ jobId: job.id, dropped, lateMs: Date.now() - slotStart, inFlight: limiter.active }, 'probes dropped: they could not start within their interval');
      await redis.rpush(REDIS_KEYS.metricsBuffer, toLine({ measurement: 'probes_dropped', tags: { region }, fields: { count: { int: dropped } }, timestampMs: slotStart }));
    }
  };

  const worker = createWorker('probes', redis, runSlot, {
    region,
    concurrency: options.slotConcurrency ?? 64,
    extra: { lockDuration: lockDurationMs, stalledInterval: lockDurationMs, maxStalledCount: 2 },
  });
  worker.on('error', (err) => log.error({ err }, 'probe worker error'));
  worker.on('failed', (job, err) => log.warn({ err, jobId: job?.id, attempts: job?.attemptsMade }, 'probe slot failed'));

  return {
    async close() {
      await worker.close();
      await results.close();
    },
  };
}
