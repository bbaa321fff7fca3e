import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { publishChecks } from '../../libs/check-registry.js';
import type { CheckConfig } from '../../libs/config/index.js';
import { createQueue, JOB_OPTIONS, type ProbeSlotJob } from '../../libs/queues/index.js';
import { REDIS_KEYS } from '../../libs/redis-keys.js';
import { DEFAULT_SLOT_MS, diffSlots, planSlots, type ExistingSlot, type PlannedSlot } from './plan.js';

export interface SyncReport {
  /** Slots created, or updated in place (their next run kept). */
  upserted: number;
  /** Slots that ran at another cadence or phase than planned, created anew. */
  replaced: number;
  /** Slots no check uses any more. */
  removed: number;
  slots: number;
  checks: number;
}

/**
 * Makes the check registry and the probe queues hold exactly what the configuration (and the
 * set of failing checks) asks for. Safe to run any number of times and from several replicas:
 * upserts are idempotent, and unchanged slots are left alone so their timing is not disturbed.
 */
export class ScheduleSync {
  private readonly queues = new Map<string, Queue<ProbeSlotJob>>();

  constructor(private readonly redis: Redis, private readonly log: Logger, private readonly slotMs = DEFAULT_SLOT_MS) {}

  async sync(checks: CheckConfig[]): Promise<SyncReport> {
    if (await publishChecks(this.redis, checks)) this.log.info({ checks: checks.length }, 'check registry written');
    const failing = new Set(await this.redis.smembers(REDIS_KEYS.failing));
    const planned = [...planSlots(checks, failing, this.slotMs).values()];
    const configRegions = new Set(planned.map((slot) => slot.region));
    if (configRegions.size > 0) await this.redis.sadd(REDIS_KEYS.regions, ...configRegions);
    const regions = new Set([...configRegions, ...(await this.redis.smembers(REDIS_KEYS.regions))]);

    const report: SyncReport = { upserted: 0, replaced: 0, removed: 0, slots: planned.length, checks: checks.length };
    for (const region of regions) {
      const queue = this.queueFor(region);
      const actions = diffSlots(planned.filter((slot) => slot.region === region), await listSlots(queue));
      for (const schedulerId of actions.remove) await queue.removeJobScheduler(schedulerId);
      for (const slot of actions.replace) {
        await queue.removeJobScheduler(slot.schedulerId);
        await upsert(queue, slot);
      }
      for (const slot of actions.upsert) await upsert(queue, slot);
      report.upserted += actions.upsert.length;
      report.replaced += actions.replace.length;
      report.removed += actions.remove.length;
    }
    return report;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
  }

  private queueFor(region: string): Queue<ProbeSlotJob> {
    let queue = this.queues.get(region);
    if (!queue) {
      queue = createQueue('probes', this.redis, region);
      this.queues.set(region, queue);
    }
    return queue;
  }
}

/** BullMQ reports every, offset and next as numbers, and leaves out what a scheduler does not have. */
async function listSlots(queue: Queue<ProbeSlotJob>): Promise<ExistingSlot[]> {
  const schedulers = await queue.getJobSchedulers(0, -1);
  return schedulers.map((scheduler) => ({
    schedulerId: scheduler.key,
    ...(scheduler.every == null ? {} : { everyMs: Number(scheduler.every) }),
    ...(scheduler.offset == null ? {} : { offsetMs: Number(scheduler.offset) }),
    ...(scheduler.next == null ? {} : { nextMs: Number(scheduler.next) }),
    ...(scheduler.template?.data === undefined ? {} : { data: scheduler.template.data }),
  }));
}

function upsert(queue: Queue<ProbeSlotJob>, slot: PlannedSlot): Promise<unknown> {
  const { attempts, backoff, removeOnComplete, removeOnFail } = JOB_OPTIONS.probes;
  return queue.upsertJobScheduler(
    slot.schedulerId,
    { every: slot.everyMs, offset: slot.offsetMs },
    { name: 'slot', data: slot.data, opts: { attempts, backoff, removeOnComplete, removeOnFail } },
  );
}
