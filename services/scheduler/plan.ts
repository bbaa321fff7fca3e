import { createHash } from 'node:crypto';
import { checkInRegion, specHashOf } from '../../libs/check-registry.js';
import { isProbed, type CheckConfig } from '../../libs/config/index.js';
import type { ProbeSlotJob } from '../../libs/queues/index.js';

/**
 * One BullMQ job scheduler per (region, cadence, slot): every check whose phase falls in the
 * same slot of its interval is probed by the same job. One job per slot instead of one per
 * probe is what lets a few processes keep thousands of checks on time.
 */
export interface PlannedSlot {
  schedulerId: string;
  region: string;
  everyMs: number;
  offsetMs: number;
  data: ProbeSlotJob;
}

/** Width of a slot: one job per slot per cadence, so this sets how many jobs a second there are. */
export const DEFAULT_SLOT_MS = 100;
/** How long before its slot a job is due (see ProbeSlotJob.leadMs). */
export const DEFAULT_LEAD_MS = 300;

/**
 * A stable phase in [0, intervalMs) derived from the check id: checks spread across their
 * interval instead of all firing at once, and a restart keeps each check's rhythm.
 */
export function offsetOf(checkId: string, intervalMs: number): number {
  const hash = createHash('sha256').update(checkId).digest();
  return hash.readUInt32BE(0) % intervalMs;
}

/** The cadence a check runs at in a region: its retryInterval while failing there, its interval otherwise. */
export function cadenceOf(check: CheckConfig, region: string, failing: ReadonlySet<string>): number {
  return check.retryIntervalMs !== undefined && failing.has(checkInRegion(check.id, region)) ? check.retryIntervalMs : check.intervalMs;
}

export function slotSchedulerId(region: string, everyMs: number, slot: number): string {
  return `slot-${everyMs}-${slot}@${region}`;
}

/** The slots a configuration asks for, keyed by scheduler id. Pure. */
export function planSlots(checks: CheckConfig[], failing: ReadonlySet<string> = new Set(), slotMs = DEFAULT_SLOT_MS, leadMs = DEFAULT_LEAD_MS): Map<string, PlannedSlot> {
  const plan = new Map<string, PlannedSlot>();
  for (const check of [...checks].filter((candidate) => isProbed(candidate) && !candidate.paused).sort((a, b) => a.id.localeCompare(b.id))) {
    const specHash = specHashOf(check);
    for (const region of check.regions) {
      const everyMs = cadenceOf(check, region, failing);
      const offset = offsetOf(check.id, everyMs);
      const slot = Math.floor(offset / slotMs);
      const entry = { id: check.id, specHash, phaseMs: offset - slot * slotMs };
      const schedulerId = slotSchedulerId(region, everyMs, slot);
      const planned = plan.get(schedulerId);
      if (planned) {
        planned.data.checks.push(entry);
      } else {
        const lead = Math.min(leadMs, everyMs - 1);
        plan.set(schedulerId, { schedulerId, region, everyMs, offsetMs: jobOffsetOf(slot * slotMs, lead, everyMs), data: { region, intervalMs: everyMs, leadMs: lead, checks: [entry] } });
      }
    }
  }
  return plan;
}

/**
 * The job's offset in its period: leadMs before the slot, wrapping into the previous period,
 * in (0, everyMs]. BullMQ reads an offset of 0 as "none" and then aligns the scheduler to
 * whenever it was upserted (it stores `now % every` as the offset), so a job due at the very
 * start of its period is given offset = everyMs: the same phase, and one BullMQ keeps.
 */
function jobOffsetOf(slotStartMs: number, leadMs: number, everyMs: number): number {
  const offset = (slotStartMs - leadMs + everyMs) % everyMs;
  return offset === 0 ? everyMs : offset;
}

/** A job scheduler as BullMQ reports it (getJobSchedulers), in the terms of a planned slot. */
export interface ExistingSlot {
  schedulerId: string;
  everyMs?: number;
  offsetMs?: number;
  /** When its next job is due (epoch ms). */
  nextMs?: number;
  data?: Partial<ProbeSlotJob>;
}

export interface SyncActions {
  /** Planned slots whose scheduler is missing or carries other data: upserted in place (an existing one keeps its next run). */
  upsert: PlannedSlot[];
  /** Planned slots whose scheduler runs at another cadence or phase: removed and created anew, so they run at the planned one. */
  replace: PlannedSlot[];
  /** Schedulers no planned slot uses. */
  remove: string[];
}

/** Everything a worker reads from a slot job, in a canonical form. */
function contentOf(data: Partial<ProbeSlotJob> | undefined): string {
  return JSON.stringify([data?.region, data?.intervalMs, data?.leadMs, (data?.checks ?? []).map((entry) => [entry.id, entry.specHash, entry.phaseMs])]);
}

/**
 * Whether a scheduler runs a slot's jobs when the plan says: same cadence, same offset, and a
 * next run at that phase of the period. An upsert does not move the next run of an existing
 * scheduler, so one that is at the wrong phase stays there until it is created anew.
 */
function runsOnTime(current: ExistingSlot, slot: PlannedSlot): boolean {
  return current.everyMs === slot.everyMs && current.offsetMs === slot.offsetMs
    && current.nextMs !== undefined && (current.nextMs - slot.offsetMs) % slot.everyMs === 0;
}

/** What to change in one region's queue so it holds exactly the planned slots. Pure. */
export function diffSlots(planned: PlannedSlot[], existing: ExistingSlot[]): SyncActions {
  const existingById = new Map(existing.map((slot) => [slot.schedulerId, slot]));
  const plannedIds = new Set(planned.map((slot) => slot.schedulerId));
  const actions: SyncActions = { upsert: [], replace: [], remove: [] };
  for (const slot of planned) {
    const current = existingById.get(slot.schedulerId);
    if (!current) actions.upsert.push(slot);
    else if (!runsOnTime(current, slot)) actions.replace.push(slot);
    else if (contentOf(current.data) !== contentOf(slot.data)) actions.upsert.push(slot);
  }
  actions.remove = existing.map((slot) => slot.schedulerId).filter((id) => !plannedIds.has(id));
  return actions;
}
