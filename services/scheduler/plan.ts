import { createHash } from 'node:crypto';
import { checkInRegion, specHashOf } from '../../libs/check-registry.js';
import type { CheckConfig } from '../../libs/config/index.js';
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
  for (const check of [...checks].sort((a, b) => a.id.localeCompare(b.id))) {
    const specHash = specHashOf(check);
    for (const region of check.regions) {
      const everyMs = cadenceOf(check, region, failing);
      const offset = offsetOf(check.id, everyMs);
      const slot = Math.floor(offset / slotMs);
      const entry = { id: check.id, specHash, phaseMs: offset - slot * slotMs };
      const schedulerId = slotSchedulerId(region, everyMs, slot);
      const planned = plan.get(schedulerId);
      if (planned) planned.data.checks.push(entry);
      else plan.set(schedulerId, { schedulerId, region, everyMs, offsetMs: jobOffsetOf(slot * slotMs, leadMs, everyMs), data: { region, intervalMs: everyMs, leadMs: Math.min(leadMs, everyMs - 1), checks: [entry] } });
    }
  }
  return plan;
}

/** The job's offset in its period: leadMs before the slot, wrapping into the previous period. */
function jobOffsetOf(slotStartMs: number, leadMs: number, everyMs: number): number {
  const lead = Math.min(leadMs, everyMs - 1);
  return (slotStartMs - lead + everyMs) % everyMs;
}

export interface ExistingSlot {
  schedulerId: string;
  everyMs?: number;
  offsetMs?: number;
  data?: Partial<ProbeSlotJob>;
}

export interface SyncActions {
  upsert: PlannedSlot[];
  remove: string[];
}

function membersOf(data: Partial<ProbeSlotJob> | undefined): string {
  return `${data?.leadMs}/${(data?.checks ?? []).map((entry) => `${entry.id}:${entry.specHash}:${entry.phaseMs}`).join(',')}`;
}

/** What to change in one region's queue so it holds exactly the planned slots. Pure. */
export function diffSlots(planned: PlannedSlot[], existing: ExistingSlot[]): SyncActions {
  const existingById = new Map(existing.map((slot) => [slot.schedulerId, slot]));
  const plannedIds = new Set(planned.map((slot) => slot.schedulerId));
  const upsert = planned.filter((slot) => {
    const current = existingById.get(slot.schedulerId);
    return !current || current.everyMs !== slot.everyMs || (current.offsetMs ?? 0) !== slot.offsetMs || membersOf(current.data) !== membersOf(slot.data);
  });
  const remove = existing.map((slot) => slot.schedulerId).filter((id) => !plannedIds.has(id));
  return { upsert, remove };
}
