import { describe, expect, it } from 'vitest';
import type { CheckConfig } from '../../../libs/config/index.js';
import { diffSchedules, offsetOf, planSchedules } from '../../../services/scheduler/plan.js';

const check = (id: string, extra: Partial<CheckConfig> = {}): CheckConfig => ({
  id, type: 'tcp', host: '127.0.0.1', port: 1, intervalMs: 10_000, timeoutMs: 1_000,
  failureThreshold: 3, successThreshold: 1, labels: {}, regions: ['default'], ...extra,
} as CheckConfig);

describe('schedule plan', () => {
  it('makes one schedule per check and region', () => {
    const plan = planSchedules([check('a'), check('b', { regions: ['eu', 'us'] })]);
    expect([...plan.keys()].sort()).toEqual(['a@default', 'b@eu', 'b@us']);
    expect(plan.get('b@eu')).toMatchObject({ region: 'eu', everyMs: 10_000, data: { region: 'eu', check: { id: 'b' } } });
  });

  it('spreads 1,000 checks at 10s over the whole interval instead of firing them together', () => {
    const offsets = Array.from({ length: 1_000 }, (_, i) => offsetOf(`check-${i}@default`, 10_000));
    const perSecond = new Array(10).fill(0);
    for (const offset of offsets) perSecond[Math.floor(offset / 1_000)] += 1;
    expect(Math.max(...perSecond)).toBeLessThan(150);
    expect(Math.min(...perSecond)).toBeGreaterThan(50);
  });

  it('gives a check the same offset every time, so restarts keep its rhythm', () => {
    expect(offsetOf('a@default', 30_000)).toBe(offsetOf('a@default', 30_000));
  });
});

describe('schedule diff', () => {
  const planned = [...planSchedules([check('a'), check('b')]).values()];
  const asExisting = (id: string) => {
    const schedule = planned.find((p) => p.schedulerId === id)!;
    return { schedulerId: id, everyMs: schedule.everyMs, offsetMs: schedule.offsetMs, specHash: schedule.data.specHash };
  };

  it('adds checks that have no schedule yet', () => {
    expect(diffSchedules(planned, []).upsert.map((s) => s.schedulerId)).toEqual(['a@default', 'b@default']);
  });

  it('leaves unchanged schedules alone', () => {
    expect(diffSchedules(planned, [asExisting('a@default'), asExisting('b@default')])).toEqual({ upsert: [], remove: [] });
  });

  it('updates a schedule whose check changed', () => {
    const changed = [...planSchedules([check('a', { timeoutMs: 2_000 }), check('b')]).values()];
    expect(diffSchedules(changed, [asExisting('a@default'), asExisting('b@default')]).upsert.map((s) => s.schedulerId)).toEqual(['a@default']);
  });

  it('removes schedules of checks no longer configured', () => {
    expect(diffSchedules(planned, [asExisting('a@default'), asExisting('b@default'), { schedulerId: 'gone@default' }]).remove).toEqual(['gone@default']);
  });
});
