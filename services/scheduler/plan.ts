import { createHash } from 'node:crypto';
import type { CheckConfig } from '../../libs/config/index.js';
import type { ProbeJob } from '../../libs/queues/index.js';

/** One BullMQ job scheduler: a check probed from one region every intervalMs, offsetMs into each period. */
export interface PlannedSchedule {
  schedulerId: string;
  region: string;
  everyMs: number;
  offsetMs: number;
  data: ProbeJob;
}

export function schedulerIdOf(checkId: string, region: string): string {
  return `${checkId}@${region}`;
}

export function specHashOf(check: CheckConfig): string {
  return createHash('sha256').update(JSON.stringify(check)).digest('hex').slice(0, 16);
}

/**
 * A stable offset in [0, intervalMs) derived from the scheduler id: checks with the same
 * interval fire spread across it instead of all at once, and a restart keeps each check's
 * phase, so its probe rhythm does not jump.
 */
export function offsetOf(schedulerId: string, intervalMs: number): number {
  const hash = createHash('sha256').update(schedulerId).digest();
  return hash.readUInt32BE(0) % intervalMs;
}

/** The schedules a configuration asks for, keyed by scheduler id. Pure. */
export function planSchedules(checks: CheckConfig[]): Map<string, PlannedSchedule> {
  const plan = new Map<string, PlannedSchedule>();
  for (const check of checks) {
    const specHash = specHashOf(check);
    for (const region of check.regions) {
      const schedulerId = schedulerIdOf(check.id, region);
      plan.set(schedulerId, {
        schedulerId,
        region,
        everyMs: check.intervalMs,
        offsetMs: offsetOf(schedulerId, check.intervalMs),
        data: { region, specHash, check },
      });
    }
  }
  return plan;
}

export interface ExistingSchedule {
  schedulerId: string;
  everyMs?: number;
  offsetMs?: number;
  specHash?: string;
}

export interface SyncActions {
  upsert: PlannedSchedule[];
  remove: string[];
}

/** What to change in one region's queue so it holds exactly the planned schedules. Pure. */
export function diffSchedules(planned: PlannedSchedule[], existing: ExistingSchedule[]): SyncActions {
  const existingById = new Map(existing.map((schedule) => [schedule.schedulerId, schedule]));
  const plannedIds = new Set(planned.map((schedule) => schedule.schedulerId));
  const upsert = planned.filter((schedule) => {
    const current = existingById.get(schedule.schedulerId);
    return !current || current.everyMs !== schedule.everyMs || (current.offsetMs ?? 0) !== schedule.offsetMs || current.specHash !== schedule.data.specHash;
  });
  const remove = existing.map((schedule) => schedule.schedulerId).filter((id) => !plannedIds.has(id));
  return { upsert, remove };
}
