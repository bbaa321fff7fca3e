import { z } from 'zod';
import { ACK_LIMITS, acknowledge, acknowledgementsOf, AckError, isAcknowledged, listActiveAlerts } from '../../../libs/alerts/index.js';
import type { ApiContext } from '../context.js';
import { ApiError, defineRoute, notFound, type AnyRoute } from '../route.js';

const acknowledgement = z.object({ by: z.string(), comment: z.string(), at: z.string() }).meta({ id: 'Acknowledgement' });

const activeAlert = z.object({
  fingerprint: z.string(),
  rule: z.string(),
  subject: z.string(),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()),
  startsAt: z.string(),
  value: z.string().optional(),
  acknowledged: acknowledgement.optional().describe('present while someone has taken on this outage'),
}).meta({ id: 'Alert' });

export function alertRoutes(ctx: ApiContext): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET', path: '/alerts', access: 'read', summary: 'Every alert firing now, oldest first, with its acknowledgement',
      response: z.object({ alerts: z.array(activeAlert) }),
      async handler() {
        const alerts = await listActiveAlerts(ctx.redis);
        const acks = await acknowledgementsOf(ctx.redis, alerts.map((alert) => alert.fingerprint));
        return {
          alerts: alerts.map(({ fingerprint, rule, subject, labels, annotations, startsAt, value }) => {
            const ack = acks.get(fingerprint);
            return {
              fingerprint, rule, subject, labels, annotations, startsAt, ...(value === undefined ? {} : { value }),
              ...(ack && isAcknowledged(ack, { fingerprint, startsAt }) ? { acknowledged: { by: ack.by, comment: ack.comment, at: ack.at } } : {}),
            };
          }),
        };
      },
    }),
    defineRoute({
      method: 'POST', path: '/alerts/:fingerprint/ack', access: 'admin', summary: 'Acknowledge a firing alert: it stops repeating and escalating until it resolves',
      params: z.object({ fingerprint: z.string() }),
      body: z.strictObject({
        by: z.string().trim().min(1, 'must not be empty').max(ACK_LIMITS.by),
        comment: z.string().max(ACK_LIMITS.comment).optional(),
      }),
      response: z.object({ fingerprint: z.string(), startsAt: z.string(), by: z.string(), comment: z.string(), at: z.string() }),
      errors: [404],
      async handler({ params, body }) {
        // Only the fingerprint: `acknowledge` would also take a check id, which this path does not name.
        const firing = (await listActiveAlerts(ctx.redis)).some((alert) => alert.fingerprint === params.fingerprint);
        if (!firing) throw notFound(`no alert with fingerprint "${params.fingerprint}" is firing`);
        try {
          const [ack] = await acknowledge(ctx.redis, { target: params.fingerprint, by: body.by, ...(body.comment === undefined ? {} : { comment: body.comment }) }, ctx.now());
          return ack!;
        } catch (err) {
          if (err instanceof AckError && err.code === 'VIGIL_ACK_NOT_FIRING') throw notFound(err.message);
          if (err instanceof AckError) throw new ApiError(400, 'VIGIL_API_INVALID', err.message, [{ field: 'body', reason: err.message }]);
          throw err;
        }
      },
    }),
  ];
}
