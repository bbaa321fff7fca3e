import { z } from 'zod';
import { DELIVERY_LOG_LENGTH, readDeliveryLog } from '../../../libs/alerts/index.js';
import type { ApiContext } from '../context.js';
import { defineRoute, notFound, type AnyRoute } from '../route.js';

/** The log names channels, never their URLs or tokens (libs/alerts/delivery-log.ts). */
const delivery = z.object({
  at: z.string(),
  channelId: z.string(),
  notificationId: z.string(),
  groupKey: z.string(),
  alerts: z.array(z.object({ fingerprint: z.string(), status: z.enum(['firing', 'resolved']), alertname: z.string().optional(), check: z.string().optional() })),
  outcome: z.enum(['delivered', 'retrying', 'failed']),
  attempts: z.number(),
  answer: z.object({ status: z.number().optional(), body: z.string().optional() }).optional(),
  reason: z.string().optional(),
}).meta({ id: 'Delivery' });

export function deliveryRoutes(ctx: ApiContext): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET', path: '/deliveries/:channel', access: 'read', summary: 'The last delivery attempts to a channel, newest first, with what the receiver answered',
      params: z.object({ channel: z.string() }),
      query: z.object({ limit: z.coerce.number().int().min(1).max(DELIVERY_LOG_LENGTH).default(DELIVERY_LOG_LENGTH) }),
      response: z.object({ channel: z.string(), deliveries: z.array(delivery) }),
      errors: [404],
      async handler({ params, query }) {
        const deliveries = await readDeliveryLog(ctx.redis, { channelId: params.channel, limit: query.limit });
        // A channel removed from the configuration keeps its log until it ages out.
        const configured = ctx.config().channels.some((channel) => channel.id === params.channel);
        if (!configured && deliveries.length === 0) throw notFound(`no channel has the id "${params.channel}"`);
        return { channel: params.channel, deliveries };
      },
    }),
  ];
}
