import { z } from 'zod';
import { isoOf, type ApiContext } from '../context.js';
import { defineRoute, type AnyRoute } from '../route.js';
import { watchStates } from '../states.js';

const watchSummary = z.object({
  id: z.string(),
  paths: z.array(z.string()),
  labels: z.record(z.string(), z.string()),
  hosts: z.array(z.object({
    host: z.string(),
    status: z.enum(['up', 'down', 'unknown']),
    seenUntil: z.string().optional().describe('ISO 8601: the newest observation of this host applied'),
    firing: z.array(z.object({ path: z.string(), rule: z.string() })),
  })),
}).meta({ id: 'Watch' });

export function watchRoutes(ctx: ApiContext): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET', path: '/watches', access: 'read', summary: 'Every configured watch with the state of each host that reports it',
      response: z.object({ watches: z.array(watchSummary) }),
      async handler() {
        const { watches } = ctx.config();
        const states = await watchStates(ctx.redis, watches);
        return {
          watches: watches.map((watch) => ({
            id: watch.id, paths: watch.paths, labels: watch.labels,
            hosts: (states.get(watch.id) ?? []).map(({ host, status, seenUntilMs, firing }) => ({ host, status, ...(seenUntilMs === undefined ? {} : { seenUntil: isoOf(seenUntilMs)! }), firing })),
          })),
        };
      },
    }),
  ];
}
