import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../../libs/config/index.js';
import type { RunningService } from '../../libs/service.js';
import { ScheduleSync } from './sync.js';

export interface SchedulerOptions {
  redis: Redis;
  log: Logger;
  config: Config;
  /** Re-applies the schedules this often, so a flushed or edited Redis heals itself. */
  resyncEveryMs?: number;
  slotMs?: number;
}

export interface RunningScheduler extends RunningService {
  /** Applies a new configuration. */
  apply(config: Config): Promise<void>;
  /** Re-plans with the current configuration (the set of failing checks changed). */
  resync(reason: string): Promise<void>;
}

export async function startScheduler(options: SchedulerOptions): Promise<RunningScheduler> {
  const { log } = options;
  const schedules = new ScheduleSync(options.redis, log, options.slotMs);
  let current = options.config;
  let running = Promise.resolve();
  let queued: Promise<void> | undefined;

  /** Syncs never interleave, and requests that arrive during a sync are served by one more. */
  const syncSoon = (reason: string): Promise<void> => {
    queued ??= running.then(async () => {
      queued = undefined;
      const report = await schedules.sync(current.checks);
      const level = report.upserted + report.replaced + report.removed > 0 ? 'info' : 'debug';
      log[level]({ reason, ...report }, 'probe schedules in sync');
    }).catch((err: unknown) => log.error({ err, reason }, 'could not sync probe schedules; will try again'));
    running = queued;
    return queued;
  };

  await syncSoon('start');
  const timer = setInterval(() => void syncSoon('periodic'), options.resyncEveryMs ?? 60_000);
  timer.unref();

  return {
    apply(config) {
      current = config;
      return syncSoon('configuration changed');
    },
    resync: syncSoon,
    async close() {
      clearInterval(timer);
      await running;
      await schedules.close();
    },
  };
}
