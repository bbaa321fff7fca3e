import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { runProbe } from '../../libs/probes/index.js';
import { createQueue, createWorker, jobIdOf, scheduledAtOf, type ProbeResult } from '../../libs/queues/index.js';
import type { RunningService } from '../../libs/service.js';

export interface ProbeWorkerOptions {
  redis: Redis;
  log: Logger;
  region: string;
  concurrency: number;
  workerId?: string;
}

/**
 * Takes due probes of one region, runs them and queues the results. A target that is down
 * is a completed job with ok: false; only a failure to reach Redis throws (and is retried).
 * A probe taken later than one interval after its schedule is dropped, not run late:
 * a burst of stale probes after a stall would measure nothing useful and delay fresh ones.
 */
export function startProbeWorker(options: ProbeWorkerOptions): RunningService {
  const { log, region } = options;
  const workerId = options.workerId ?? `${hostname()}:${process.pid}`;
  const results = createQueue('results', options.redis);

  const worker = createWorker('probes', options.redis, async ({ check }, job) => {
    const scheduledAt = scheduledAtOf(job);
    const lateMs = Date.now() - scheduledAt;
    if (lateMs > check.intervalMs) {
      log.warn({ checkId: check.id, jobId: job.id, lateMs }, 'probe dropped: it could not start within its interval');
      return;
    }
    const startedAt = Date.now();
    const outcome = await runProbe(check);
    const result: ProbeResult = {
      checkId: check.id,
      checkType: check.type,
      region,
      scheduledAt,
      startedAt,
      workerId,
      ...outcome,
    };
    await results.add('result', result, { jobId: jobIdOf(check.id, region, scheduledAt) });
    log.debug({ checkId: check.id, jobId: job.id, ok: outcome.ok, totalMs: outcome.timings.totalMs }, 'probe done');
  }, { region, concurrency: options.concurrency });

  worker.on('error', (err) => log.error({ err }, 'probe worker error'));
  worker.on('failed', (job, err) => log.warn({ err, jobId: job?.id, attempts: job?.attemptsMade }, 'probe job failed'));

  return {
    async close() {
      await worker.close();
      await results.close();
    },
  };
}
