import { z } from 'zod';
import { createSilence, expireSilence, labelMatcherText, listSilences, SILENCE_LIMITS, SilenceError, silenceStatus, storedSilence, type Silence } from '../../../libs/alerts/index.js';
import { parseDuration } from '../../../libs/config/index.js';
import type { ApiContext } from '../context.js';
import { ApiError, defineRoute, invalid, notFound, type AnyRoute } from '../route.js';

const matcher = z.object({ name: z.string(), operator: z.enum(['=', '!=', '=~', '!~']), value: z.string() });

const silenceView = storedSilence.extend({ status: z.enum(['pending', 'active', 'expired']) }).meta({ id: 'Silence' });

const instant = z.iso.datetime({ offset: true, error: 'expected an ISO 8601 time with Z or an offset, like 2026-03-29T02:00:00Z' }).transform((text) => new Date(text));

const newSilence = z.strictObject({
  /** As the CLI writes them (`check="shop-api"`), or as objects. */
  matchers: z.array(z.union([labelMatcherText, matcher])).min(1, 'a silence needs at least one matcher').max(SILENCE_LIMITS.matchers),
  startsAt: instant.optional(),
  endsAt: instant.optional(),
  duration: z.string().optional().describe('like "2h"; exactly one of endsAt and duration'),
  createdBy: z.string().min(1, 'must not be empty').max(SILENCE_LIMITS.createdBy),
  comment: z.string().min(1, 'must not be empty').max(SILENCE_LIMITS.comment),
  notifyResolved: z.boolean().optional(),
}).superRefine((body, ctx) => {
  if ((body.endsAt === undefined) === (body.duration === undefined)) ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'give exactly one of endsAt and duration' });
  if (body.duration !== undefined && parseDuration(body.duration) === undefined) ctx.addIssue({ code: 'custom', path: ['duration'], message: `expected a duration like "2h", got ${JSON.stringify(body.duration)}` });
});

function viewOf(silence: Silence, now: Date): z.output<typeof silenceView> {
  return { ...silence, status: silenceStatus(silence, now) };
}

export function silenceRoutes(ctx: ApiContext): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET', path: '/silences', access: 'read', summary: 'Active silences, then pending ones; with includeExpired, expired ones too',
      query: z.object({ includeExpired: z.enum(['true', 'false']).default('false').transform((value) => value === 'true') }),
      response: z.object({ silences: z.array(silenceView) }),
      async handler({ query }) {
        const now = ctx.now();
        return { silences: (await listSilences(ctx.redis, { includeExpired: query.includeExpired }, now)).map((silence) => viewOf(silence, now)) };
      },
    }),
    defineRoute({
      method: 'POST', path: '/silences', access: 'admin', status: 201, summary: 'Create a silence: the notifications of the alerts it matches are muted',
      body: newSilence,
      response: silenceView,
      async handler({ body }) {
        const now = ctx.now();
        try {
          const silence = await createSilence(ctx.redis, {
            matchers: body.matchers, createdBy: body.createdBy, comment: body.comment,
            ...(body.startsAt === undefined ? {} : { startsAt: body.startsAt }),
            ...(body.endsAt === undefined ? {} : { endsAt: body.endsAt }),
            ...(body.duration === undefined ? {} : { durationMs: parseDuration(body.duration)! }),
            ...(body.notifyResolved === undefined ? {} : { notifyResolved: body.notifyResolved }),
          }, now);
          return viewOf(silence, now);
        } catch (err) {
          if (err instanceof SilenceError) throw invalid('body', err.message);
          throw err;
        }
      },
    }),
    defineRoute({
      method: 'DELETE', path: '/silences/:id', access: 'admin', summary: 'Expire a silence now (it stays listed as expired)',
      params: z.object({ id: z.string() }),
      response: silenceView,
      errors: [404, 409],
      async handler({ params }) {
        const now = ctx.now();
        try {
          return viewOf(await expireSilence(ctx.redis, params.id, now), now);
        } catch (err) {
          if (err instanceof SilenceError && err.code === 'VIGIL_SILENCE_NOT_FOUND') throw notFound(err.message);
          if (err instanceof SilenceError && err.code === 'VIGIL_SILENCE_EXPIRED') throw new ApiError(409, 'VIGIL_API_CONFLICT', err.message);
          throw err;
        }
      },
    }),
  ];
}
