import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../../libs/queues/index.js';
import { nextFlushOf } from '../../../services/notifier/flush.js';

const FLUSH = Date.parse('2026-03-01T12:00:00Z');
const firing = (startsAtMs: number, fingerprint = 'a'): AlertEvent => ({ fingerprint, status: 'firing', labels: {}, annotations: {}, startsAt: new Date(startsAtMs).toISOString() });
const route = (escalateAfterMs?: number) => ({ groupIntervalMs: 300_000, escalate: escalateAfterMs === undefined ? [] : [{ afterMs: escalateAfterMs, channels: ['manager'] }] });

describe("a group's next flush", () => {
  it.each([
    { name: 'groupInterval after this flush', alerts: [firing(FLUSH)], route: route(), nowMs: FLUSH + 20, expected: FLUSH + 300_000 },
    { name: 'groupInterval from now when this flush ran later than that', alerts: [firing(FLUSH)], route: route(), nowMs: FLUSH + 400_000, expected: FLUSH + 700_000 },
    { name: 'earlier, when an escalation falls due first', alerts: [firing(FLUSH - 840_000)], route: route(900_000), nowMs: FLUSH, expected: FLUSH + 60_000 },
    { name: 'at the interval when the escalation is later', alerts: [firing(FLUSH)], route: route(900_000), nowMs: FLUSH, expected: FLUSH + 300_000 },
  ])('comes $name', ({ alerts, route: settings, nowMs, expected }) => {
    expect(nextFlushOf({ alerts }, settings, FLUSH, nowMs, new Set())).toBe(expected);
  });

  it('is not brought forward by the escalation of an acknowledged alert', () => {
    expect(nextFlushOf({ alerts: [firing(FLUSH - 840_000)] }, route(900_000), FLUSH, FLUSH, new Set(['a']))).toBe(FLUSH + 300_000);
  });
});
