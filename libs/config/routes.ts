import { z } from 'zod';
import { duration, id, inMs, labelName, labels } from './fields.js';

/** What a route leaves out; `groupBy` is also the grouping of alerts when there are no routes at all. */
export const ROUTE_DEFAULTS = {
  groupBy: ['check'] as readonly string[],
  groupWaitMs: 30_000,
  groupIntervalMs: 300_000,
  repeatIntervalMs: 4 * 3_600_000,
  sendResolved: true,
  continue: false,
} as const;

export const route = inMs(z.strictObject({
  /** Label equality matchers; an empty set matches every alert. */
  match: labels.default(() => ({})),
  channels: z.array(id).min(1),
  groupBy: z.array(labelName).default(() => [...ROUTE_DEFAULTS.groupBy]),
  groupWait: duration.default(ROUTE_DEFAULTS.groupWaitMs),
  groupInterval: duration.default(ROUTE_DEFAULTS.groupIntervalMs),
  repeatInterval: duration.default(ROUTE_DEFAULTS.repeatIntervalMs),
  sendResolved: z.boolean().default(ROUTE_DEFAULTS.sendResolved),
  /** Keep looking at later routes after this one matched. */
  continue: z.boolean().default(ROUTE_DEFAULTS.continue),
}), ['groupWait', 'groupInterval', 'repeatInterval']);

export type RouteConfig = z.output<typeof route>;
