import { describe, expect, it } from 'vitest';
import type { CheckConfig } from '../../../libs/config/index.js';
import { cadenceOf, diffSlots, offsetOf, planSlots, type ExistingSlot, type PlannedSlot } from '../../../services/scheduler/plan.js';

const check = (id: string, extra: Partial<CheckConfig> = {}): CheckConfig => ({
  id, type: 'tcp', host: '127.0.0.1', port: 1, intervalMs: 10_000, timeoutMs: 1_000,
  failureThreshold: 3, successThreshold: 1, labels: {}, regions: ['default'], ...extra,
} as CheckConfig);

const manyChecks = (count: number) => Array.from({ length: count }, (_, i) => check(`check-${i}`));

describe('slot plan', () => {
  it('puts every check of every region in exactly one slot of its cadence', () => {
    const plan = planSlots([check('a'), check('b', { regions: ['eu', 'us'] })]);
    const members = [...plan.values()].flatMap((slot) => slot.data.checks.map((entry) => `${entry.id}@${slot.region}`));
    expect(members.sort()).toEqual(['a@default', 'b@eu', 'b@us']);
    for (const slot of plan.values()) expect(slot.everyMs).toBe(10_000);
  });

  it('leaves a paused check out of every slot', () => {
    const plan = planSlots([check('running'), check('paused', { paused: true })]);
    expect([...plan.values()].flatMap((slot) => slot.data.checks.map((entry) => entry.id))).toEqual(['running']);
  });

  it('leaves passive checks out: heartbeats are pinged, external checks pushed', () => {
    const plan = planSlots([check('probed'), check('backup', { type: 'heartbeat', regions: ['heartbeat'] } as Partial<CheckConfig>), check('office', { type: 'external' } as Partial<CheckConfig>)]);
    expect([...plan.values()].flatMap((slot) => slot.data.checks.map((entry) => entry.id))).toEqual(['probed']);
  });

  it('probes many checks with few jobs: 1,000 checks at 10s need at most 100 slots of 100ms', () => {
    expect(planSlots(manyChecks(1_000)).size).toBeLessThanOrEqual(100);
  });

  it('spreads 1,000 checks at 10s over the whole interval instead of firing them together', () => {
    const perSecond = new Array(10).fill(0);
    for (const c of manyChecks(1_000)) perSecond[Math.floor(offsetOf(c.id, 10_000) / 1_000)] += 1;
    expect(Math.max(...perSecond)).toBeLessThan(150);
    expect(Math.min(...perSecond)).toBeGreaterThan(50);
  });

  it('keeps each check at its own phase inside its slot', () => {
    const [slot] = [...planSlots([check('a')], new Set(), 100, 300).values()];
    const due = (slot!.offsetMs + slot!.data.leadMs) % 10_000 + slot!.data.checks[0]!.phaseMs;
    expect(due).toBe(offsetOf('a', 10_000));
  });

  it('makes a slot job due leadMs before the slot, so picking it up never delays a probe', () => {
    const [slot] = [...planSlots([check('a')], new Set(), 100, 300).values()];
    const slotStart = Math.floor(offsetOf('a', 10_000) / 100) * 100;
    expect((slot!.offsetMs + 300) % 10_000).toBe(slotStart);
    expect(slot!.data.leadMs).toBe(300);
  });

  // Computed once from sha256 of the id; a change here moves every deployed check's rhythm.
  it.each([
    ['a', 30_000, 16_610],
    ['a', 10_000, 6_610],
    ['b', 10_000, 566],
    ['shop-api', 10_000, 3_494],
    ['payments', 2_000, 361],
    ['cert-expiry', 3_600_000, 3_428_876],
  ])('gives %s at %ims the phase %ims, every time, so restarts keep its rhythm', (id, intervalMs, phase) => {
    expect(offsetOf(id, intervalMs)).toBe(phase);
  });

  it('keeps every phase within [0, interval)', () => {
    for (const intervalMs of [1, 100, 250, 2_000, 10_000, 3_600_000]) {
      for (const c of manyChecks(500)) {
        const phase = offsetOf(c.id, intervalMs);
        expect(Number.isInteger(phase) && phase >= 0 && phase < intervalMs, `${c.id} at ${intervalMs}ms: ${phase}`).toBe(true);
      }
    }
  });

  it('never plans a job offset of 0, which BullMQ reads as no offset: a job due at the start of its period gets offset = every', () => {
    // check-6 is due 377ms into 10s, in the slot starting at 300: its job is due 300ms earlier, at 0.
    expect(offsetOf('check-6', 10_000)).toBe(377);
    const [slot] = [...planSlots([check('check-6')], new Set(), 100, 300).values()];
    expect(slot).toMatchObject({ schedulerId: 'slot-10000-3@default', everyMs: 10_000, offsetMs: 10_000 });
    // The same for a retryInterval cadence: payments is due 361ms into 2s while failing.
    const [retry] = [...planSlots([check('payments', { retryIntervalMs: 2_000 })], new Set(['payments@default'])).values()];
    expect(retry).toMatchObject({ schedulerId: 'slot-2000-3@default', everyMs: 2_000, offsetMs: 2_000 });
  });

  it('puts every job offset in (0, every] and leadMs before its slot, short cadences included', () => {
    for (const intervalMs of [150, 250, 2_000, 10_000]) {
      for (const slot of planSlots(manyChecks(300).map((c) => check(c.id, { intervalMs })), new Set(), 100, 300).values()) {
        const slotStart = Number(slot.schedulerId.split('-')[2]!.split('@')[0]) * 100;
        expect(slot.offsetMs).toBeGreaterThan(0);
        expect(slot.offsetMs).toBeLessThanOrEqual(intervalMs);
        expect(slot.data.leadMs).toBe(Math.min(300, intervalMs - 1));
        expect((slot.offsetMs + slot.data.leadMs) % intervalMs).toBe(slotStart);
      }
    }
  });

  it('probes a failing check at its retryInterval, and a healthy one at its interval', () => {
    const flaky = check('flaky', { retryIntervalMs: 2_000 });
    expect(cadenceOf(flaky, 'default', new Set())).toBe(10_000);
    expect(cadenceOf(flaky, 'default', new Set(['flaky@default']))).toBe(2_000);
    expect([...planSlots([flaky], new Set(['flaky@default'])).values()][0]!.everyMs).toBe(2_000);
  });

  it('probes faster only in the region where the check is failing', () => {
    const flaky = check('flaky', { retryIntervalMs: 2_000, regions: ['eu', 'us'] });
    const cadences = [...planSlots([flaky], new Set(['flaky@eu'])).values()].map((slot) => `${slot.region}:${slot.everyMs}`).sort();
    expect(cadences).toEqual(['eu:2000', 'us:10000']);
  });

  it('keeps a failing check without retryInterval at its interval', () => {
    expect(cadenceOf(check('plain'), 'default', new Set(['plain@default']))).toBe(10_000);
  });
});

describe('slot diff', () => {
  const planned = [...planSlots([check('a'), check('b')]).values()];
  /** A period start well in the past: schedulers on time have their next run at start + offset. */
  const PERIOD_START = 1_700_000_000_000;
  /** The slot as getJobSchedulers reports it after an upsert: on time, the data read back from JSON. */
  const asExisting = (slot: PlannedSlot, nextMs = PERIOD_START + slot.offsetMs): ExistingSlot => ({
    schedulerId: slot.schedulerId, everyMs: slot.everyMs, offsetMs: slot.offsetMs, nextMs, data: JSON.parse(JSON.stringify(slot.data)),
  });

  it('adds slots that have no scheduler yet', () => {
    expect(diffSlots(planned, []).upsert).toHaveLength(planned.length);
  });

  it('leaves unchanged slots alone', () => {
    expect(diffSlots(planned, planned.map((slot) => asExisting(slot)))).toEqual({ upsert: [], replace: [], remove: [] });
  });

  it('leaves alone a slot due at the start of its period (offset = every), whose next run is at a period start', () => {
    const [slot] = [...planSlots([check('check-6')]).values()];
    expect(slot!.offsetMs).toBe(10_000);
    expect(diffSlots([slot!], [asExisting(slot!, PERIOD_START + 3 * 10_000)])).toEqual({ upsert: [], replace: [], remove: [] });
  });

  it('re-creates a slot that runs at another phase than planned (an upsert would keep its next run)', () => {
    const [slot] = [...planSlots([check('check-6')]).values()];
    // What BullMQ made of an offset of 0: the moment of the upsert, 1,962ms into the period.
    const misplaced = { ...asExisting(slot!), offsetMs: 1_962, nextMs: PERIOD_START + 1_962 };
    expect(diffSlots([slot!], [misplaced])).toEqual({ upsert: [], replace: [slot], remove: [] });
    expect(diffSlots([slot!], [{ ...asExisting(slot!), nextMs: PERIOD_START + 1_962 }])).toEqual({ upsert: [], replace: [slot], remove: [] });
    const { offsetMs: _absent, ...withoutOffset } = asExisting(slot!);
    expect(diffSlots([slot!], [withoutOffset])).toEqual({ upsert: [], replace: [slot], remove: [] });
  });

  it('updates a slot in place when only what its jobs carry changed (the lead, here)', () => {
    const [slot] = [...planSlots([check('a')]).values()];
    const existing = asExisting(slot!);
    expect(diffSlots([slot!], [{ ...existing, data: { ...existing.data, leadMs: 200 } }])).toEqual({ upsert: [slot], replace: [], remove: [] });
  });

  it('updates a slot whose check changed', () => {
    const changed = [...planSlots([check('a', { timeoutMs: 2_000 }), check('b')]).values()];
    const upserted = diffSlots(changed, planned.map((slot) => asExisting(slot))).upsert;
    expect(upserted.flatMap((slot) => slot.data.checks.map((entry) => entry.id))).toContain('a');
    expect(upserted.flatMap((slot) => slot.data.checks.map((entry) => entry.id))).not.toContain('b');
  });

  it('removes slots no check uses any more', () => {
    expect(diffSlots(planned, [...planned.map((slot) => asExisting(slot)), { schedulerId: 'slot-10000-3@default' }]).remove).toEqual(['slot-10000-3@default']);
  });
});
