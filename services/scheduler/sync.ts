import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { CheckConfig } from '../../libs/config/index.js';
import { createQueue, JOB_OPTIONS, type ProbeJob } from '../../libs/queues/index.js';
import type { Queue } from 'bullmq';
import { REDIS_KEYS } from '../../libs/redis-keys.js';
import { diffSchedules, planSchedules, type ExistingSchedule, type PlannedSchedule } from './plan.js';

export interface SyncReport {
  upserted: number;
  removed: number;
  total: number;
}

/**
 * Makes the probe queues hold exactly the schedules the configuration asks for. Safe to run
 * any number of times and from several replicas: upserts are idempotent, and unchanged
 * schedules are left alone so their timing is not disturbed.
 */
export class ScheduleSync {
  private readonly queues = new Map<string, Queue<ProbeJob>>();

  constructor(private readonly redis: Redis, private readonly log: Logger) {}

  async sync(checks: CheckConfig[]): Promise<SyncReport> {
    const plan = planSchedules(checks);
    const planned = [...plan.values()];
    const configRegions = new Set(planned.map((schedule) => schedule.region));
    if (configRegions.size > 0) await this.redis.sadd(REDIS_KEYS.regions, ...configRegions);
    const regions = new Set([...configRegions, ...(await this.redis.smembers(REDIS_KEYS.regions))]);

    const report: SyncReport = { upserted: 0, removed: 0, total: planned.length };
    for (const region of regions) {
      const queue = this.queueFor(region);
      const existing = await listSchedules(queue);
      const actions = diffSchedules(planned.filter((schedule) => schedule.region === region), existing);
      for (const schedulerId of actions.remove) {
        await queue.removeJobScheduler(schedulerId);
        this.log.info({ schedulerId, region }, 'probe schedule removed');
      }
      for (const schedule of actions.upsert) {
        await upsert(queue, schedule);
        this.log.debug({ schedulerId: schedule.schedulerId, region, everyMs: schedule.everyMs, offsetMs: schedule.offsetMs }, 'probe schedule set');
      }
      report.upserted += actions.upsert.length;
      report.removed += actions.remove.length;
    }
    return report;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
  }

  private queueFor(region: string): Queue<ProbeJob> {
    let queue = this.queues.get(region);
    if (!queue) {
      queue = createQueue('probes', this.redis, region);
      this.queues.set(region, queue);
    }
    return queue;
  }
}

async function listSchedules(queue: Queue<ProbeJob>): Promise<ExistingSchedule[]> {
  const schedulers = await queue.getJobSchedulers(0, -1);
  return schedulers.map((scheduler) => ({
    schedulerId: scheduler.key,
    ...(scheduler.every === undefined ? {} : { everyMs: Number(scheduler.every) }),
    ...(scheduler.offset === undefined ? {} : { offsetMs: Number(scheduler.offset) }),
    ...(scheduler.template?.data?.specHash === undefined ? {} : { specHash: scheduler.template.data.specHash }),
  }));
}

function upsert(queue: Queue<ProbeJob>, schedule: PlannedSchedule): Promise<unknown> {
  const { attempts, backoff, removeOnComplete, removeOnFail } = JOB_OPTIONS.probes;
  return queue.upsertJobScheduler(
    schedule.schedulerId,
    { every: schedule.everyMs, offset: schedule.offsetMs },
    { name: 'probe', data: schedule.data, opts: { attempts, backoff, removeOnComplete, removeOnFail } },
  );
}
