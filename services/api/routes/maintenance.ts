import { z } from 'zod';
import { describeCoverage, describeSchedule, listMaintenanceWindows, windowActiveAt } from '../../../libs/alerts/index.js';
import type { ApiContext } from '../context.js';
import { defineRoute, type AnyRoute } from '../route.js';

const schedule = z.union([
  z.object({ kind: z.literal('once'), startsAt: z.string(), endsAt: z.string() }),
  z.object({ kind: z.literal('recurring'), cron: z.string(), durationMs: z.number(), timezone: z.string(), from: z.string().optional(), until: z.string().optional() }),
]);

const windowView = z.object({
  id: z.string(),
  name: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
  checks: z.array(z.string()),
  matchers: z.array(z.object({ name: z.string(), operator: z.string(), value: z.string() })),
  schedule,
  active: z.boolean(),
  endsAt: z.string().optional().describe('while active: when it ends'),
  nextStartsAt: z.string().optional().describe('while not active: when it starts next, if ever'),
  description: z.object({ covers: z.string(), schedule: z.string() }),
}).meta({ id: 'MaintenanceWindow' });

export function maintenanceRoutes(ctx: ApiContext): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET', path: '/maintenance', access: 'read', summary: 'Maintenance windows, oldest first, with whether each holds its checks now',
      response: z.object({ windows: z.array(windowView) }),
      async handler() {
        const now = ctx.now();
        const windows = await listMaintenanceWindows(ctx.redis, now);
        return {
          windows: windows.map((window) => {
            const activity = windowActiveAt(window, now);
            return {
              ...window,
              active: activity.active,
              ...(activity.active ? { endsAt: activity.endsAt.toISOString() } : activity.nextStartsAt ? { nextStartsAt: activity.nextStartsAt.toISOString() } : {}),
              description: { covers: describeCoverage(window), schedule: describeSchedule(window.schedule) },
            };
          }),
        };
      },
    }),
  ];
}
