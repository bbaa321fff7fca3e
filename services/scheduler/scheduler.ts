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
}

export interface RunningScheduler extends RunningService {
  /** Applies a new configuration; syncs are serialised so two never interleave. */
  apply(config: Config): Promise<void>;
}

export async function startScheduler(options: SchedulerOptions): Promise<RunningScheduler> {
  const { log } = options;
  const schedules = new ScheduleSync(options.redis, log);
  let current = options.config;
  let pending = Promise.resolve();

  const syncNow = (reason: string): Promise<void> => {
    pending = pending.then(async () => {
      const report = await schedules.sync(current.checks);
      const level = report.upserted + report.removed > 0 ? 'info' : 'debug';
      log[level]({ reason, ...report }, 'probe schedules in sync');
    }).catch((err: unknown) => log.error({ err, reason }, 'could not sync probe schedules; will try again'));
    return pending;
  };

  await syncNow('start');
  const timer = setInterval(() => void syncNow('periodic'), options.resyncEveryMs ?? 60_000);
  timer.unref();

  return {
    apply(config) {
      current = config;
      return syncNow('configuration changed');
    },
    async close() {
      clearInterval(timer);
      await pending;
      await schedules.close();
    },
  };
}
