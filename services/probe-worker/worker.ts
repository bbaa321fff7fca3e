import { hostname } from 'node:os';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { CheckCache } from '../../libs/check-registry.js';
import { isProbed, type CheckConfig, type ProbedCheckConfig } from '../../libs/config/index.js';
import { runProbe } from '../../libs/probes/index.js';
import { createQueue, createWorker, jobIdOf, scheduledAtOf, type ProbeResult, type ProbeSlotJob } from '../../libs/queues/index.js';
import type { RunningService } from '../../libs/service.js';
import { DropTally } from './dropped.js';
import { ProbeLimiter } from './limiter.js';
import type { ProbeMetrics } from './metrics.js';

export interface ProbeWorkerOptions {
  redis: Redis;
  log: Logger;
  region: string;
  /** Probes in flight in this process. */
  concurrency: number;
  /** Probes in flight against one target host. */
  hostConcurrency: number;
  /**
   * Slot jobs held at once. A slot is held until its last probe has run or been dropped, so
   * this must cover every slot of an interval (100 per 10 s cadence): a slot left waiting in
   * Redis would be picked up late and its probes dropped.
   */
  slotConcurrency?: number;
  /**
   * How late a probe may start because this worker is behind (its event loop or its slot
   * pick-up lags): later ones are dropped and counted. Waiting for room at a busy target host
   * is not lateness of the worker and may last up to the interval.
   */
  maxStartDelayMs?: number;
  /** How late a probe of a job retried after a crash may still start. */
  recoveryGraceMs?: number;
  /** How soon a crashed worker's job is noticed and handed to another worker. */
  lockDurationMs?: number;
  /** How often dropped probes are logged and reported. */
  dropReportEveryMs?: number;
  workerId?: string;
  /** Counts probes and drops for /metrics (createProbeMetrics); none: not counted. */
  metrics?: ProbeMetrics;
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

export const DEFAULT_MAX_START_DELAY_MS = 250;

interface DueProbe {
  id: string;
  specHash: string;
  scheduledAt: number;
  /** Dropped if this worker only gets to it after this time (it is behind). */
  startByMs: number;
  /** Dropped if it is still waiting for a place in the limiter at this time. */
  deadlineMs: number;
}

/**
 * Takes due slots of one region, probes their checks and queues the slot's results as one
 * job. A down target is a result with ok: false; only a failure to reach Redis throws (and
 * BullMQ retries the slot). A probe that cannot start in time (PROBE_MAX_START_DELAY late
 * because this worker is behind, or its whole interval waiting for a busy host) is dropped
 * and counted, not run late: a burst of stale probes after a stall would measure nothing
 * useful and delay fresh ones. A slot retried after a worker crash gets recoveryGraceMs more.
 *
 * Dropping costs next to nothing, so a worker that falls behind spends its CPU on the probes
 * it can still run on time: probes already late when the slot is taken are dropped before
 * any registry read or timer, and the limiter sheds waiting probes whose time runs out
 * (see limiter.ts); drops are reported once per window (dropped.ts).
 */
export function startProbeWorker(options: ProbeWorkerOptions): RunningService {
  const { log, region, redis } = options;
  const workerId = options.workerId ?? `${hostname()}:${process.pid}`;
  const results = createQueue('results', redis);
  const checks = new CheckCache(redis);
  const limiter = new ProbeLimiter(options.concurrency, options.hostConcurrency);
  const recoveryGraceMs = options.recoveryGraceMs ?? 30_000;
  const lockDurationMs = options.lockDurationMs ?? 10_000;
  const maxStartDelayMs = options.maxStartDelayMs ?? DEFAULT_MAX_START_DELAY_MS;
  const dropped = new DropTally(log, async (count, fromMs, toMs) => {
    // BullMQ refuses ":" in custom ids, and a worker id is host:pid.
    await results.add('dropped', { source: 'probe', region, results: [], dropped: { count, fromMs, toMs } }, { jobId: jobIdOf('dropped', workerId.replaceAll(':', '.'), toMs) });
  }, options.dropReportEveryMs);
  dropped.start();

  const probeOne = async (check: ProbedCheckConfig, due: DueProbe): Promise<ProbeResult | undefined> => {
    await sleepUntil(due.scheduledAt);
    const release = await limiter.acquire(targetHostOf(check), due);
    if (!release) return undefined;
    try {
      const startedAt = Date.now();
      const outcome = await runProbe(check);
      const result: ProbeResult = { checkId: check.id, checkType: check.type, region, scheduledAt: due.scheduledAt, startedAt, workerId, ...outcome };
      options.metrics?.probed(result);
      return result;
    } finally {
      release();
    }
  };

  const runSlot = async (slot: ProbeSlotJob, job: Job<ProbeSlotJob>): Promise<void> => {
    const slotStart = scheduledAtOf(job) + slot.leadMs;
    const recovering = job.attemptsMade > 0 || (job.stalledCounter ?? 0) > 0;
    // A slot retried after a crash is late on purpose: its probes may start until the grace ends.
    const maxWaitMs = slot.intervalMs + (recovering ? recoveryGraceMs : 0);
    const maxLateMs = recovering ? maxWaitMs : Math.min(maxStartDelayMs, slot.intervalMs);
    const now = Date.now();
    const due: DueProbe[] = [];
    for (const entry of slot.checks) {
      const scheduledAt = slotStart + entry.phaseMs;
      if (scheduledAt + maxLateMs >= now) due.push({ id: entry.id, specHash: entry.specHash, scheduledAt, startByMs: scheduledAt + maxLateMs, deadlineMs: scheduledAt + maxWaitMs });
    }
    let ran: ProbeResult[] = [];
    if (due.length > 0) {
      // A heartbeat is never planned; one in a stale slot is not probed either.
      const found = (await checks.resolve(due)).filter(isProbed);
      const byId = new Map(due.map((probe) => [probe.id, probe]));
      const outcomes = await Promise.all(found.map((check) => probeOne(check, byId.get(check.id)!)));
      ran = outcomes.filter((result): result is ProbeResult => result !== undefined);
      dropped.add(found.length - ran.length);
      options.metrics?.dropped(found.length - ran.length);
    }
    dropped.add(slot.checks.length - due.length);
    options.metrics?.dropped(slot.checks.length - due.length);
    if (ran.length > 0) {
      await results.add('results', { source: 'probe', region, results: ran }, { jobId: jobIdOf('results', job.repeatJobKey ?? job.name, slotStart) });
    }
  };

  const worker = createWorker('probes', redis, runSlot, {
    region,
    concurrency: options.slotConcurrency ?? 1_000,
    extra: { lockDuration: lockDurationMs, stalledInterval: lockDurationMs, maxStalledCount: 2 },
  });
  worker.on('error', (err) => log.error({ err }, 'probe worker error'));
  worker.on('failed', (job, err) => log.warn({ err, jobId: job?.id, attempts: job?.attemptsMade }, 'probe slot failed'));

  return {
    async close() {
      await worker.close();
      await dropped.stop();
      await results.close();
    },
  };
}
