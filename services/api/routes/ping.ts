/**
 * Heartbeats: the ping endpoint a job calls (GET or POST /api/v1/ping/TOKEN, /start, /fail,
 * /EXIT_CODE) and the admin endpoint that shows a heartbeat check's ping URL. The ping token is
 * the secret: no bearer token; it is looked up by its digest (libs/heartbeats/tokens.ts), and
 * each ping is queued on `results` (gathered by ping-batcher.ts) for the evaluator (services/evaluator/heartbeats).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { heartbeatTokenOf, pingPathOf, tokenDigest } from '../../../libs/heartbeats/tokens.js';
import type { HeartbeatPing } from '../../../libs/queues/index.js';
import { REDIS_KEYS } from '../../../libs/redis-keys.js';
import type { ApiContext } from '../context.js';
import type { PingBatcher } from '../ping-batcher.js';
import { API_PREFIX, defineRoute, notFound, type AnyRoute } from '../route.js';
import { checkById } from './checks.js';

export interface PingRateLimit {
  /** Pings one token may make per window; more are answered 429. */
  max: number;
  windowMs: number;
}

/** Ample for any job (a run is two pings), small enough that a runaway loop cannot flood the evaluator. */
export const DEFAULT_PING_RATE_LIMIT: PingRateLimit = { max: 60, windowMs: 60_000 };

/** What the path after the token asks for; undefined: not a ping path. */
export function pingOf(action: string | undefined): Pick<HeartbeatPing, 'kind' | 'exitCode'> | undefined {
  if (action === undefined) return { kind: 'success' };
  if (action === 'start' || action === 'fail') return { kind: action };
  if (!/^\d{1,3}$/.test(action) || Number(action) > 255) return undefined;
  const exitCode = Number(action);
  return { kind: exitCode === 0 ? 'success' : 'fail', exitCode };
}

/**
 * The check a token belongs to and the ping counted in its token's fixed window, in one round
 * trip (a ping is otherwise three: the lookup, the count, the queueing). An unknown token is
 * counted too; its key expires with the window like any other.
 */
async function lookUpAndCount(ctx: ApiContext, digest: string, limit: PingRateLimit, nowMs: number): Promise<{ checkId: string | undefined; retryAfterS: number | undefined }> {
  const windowIndex = Math.floor(nowMs / limit.windowMs);
  const key = REDIS_KEYS.heartbeatRate(digest, windowIndex);
  const replies = await ctx.redis.multi().hget(REDIS_KEYS.heartbeatDigests, digest).incr(key).pexpire(key, limit.windowMs).exec();
  const checkId = (replies?.[0]?.[1] as string | null | undefined) ?? undefined;
  const count = Number(replies?.[1]?.[1] ?? 0);
  const retryAfterS = count <= limit.max ? undefined : Math.max(1, Math.ceil(((windowIndex + 1) * limit.windowMs - nowMs) / 1_000));
  return { checkId, retryAfterS };
}

/**
 * Registers the ping endpoint in its own scope: it takes any body (curl -d, a log excerpt) and
 * ignores it, where the rest of the API parses JSON.
 */
export function registerPingRoutes(app: FastifyInstance, ctx: ApiContext, batcher: PingBatcher, limit: PingRateLimit = DEFAULT_PING_RATE_LIMIT): void {
  const handle = async (request: FastifyRequest<{ Params: { token: string; action?: string } }>, reply: FastifyReply) => {
    const ping = pingOf(request.params.action);
    const notFoundBody = { code: 'VIGIL_API_NOT_FOUND', message: 'no heartbeat check has this ping token' };
    if (ping === undefined) return reply.code(404).send({ code: 'VIGIL_API_NOT_FOUND', message: 'expected /ping/TOKEN, /ping/TOKEN/start, /ping/TOKEN/fail or /ping/TOKEN/EXIT_CODE (0 to 255)' });
    const nowMs = ctx.now().getTime();
    const { checkId, retryAfterS } = await lookUpAndCount(ctx, tokenDigest(request.params.token), limit, nowMs);
    // A token left over from a removed check is unknown too.
    const check = checkId === undefined ? undefined : checkById(ctx.config(), checkId);
    if (check?.type !== 'heartbeat') return reply.code(404).send(notFoundBody);
    if (retryAfterS !== undefined) {
      return reply.code(429).header('retry-after', String(retryAfterS)).send({ code: 'VIGIL_API_RATE_LIMITED', message: `more than ${limit.max} pings in ${limit.windowMs / 1_000}s for this check; try again in ${retryAfterS}s` });
    }
    await batcher.add({ checkId: check.id, ...ping, atMs: nowMs });
    return reply.code(200).send({ ok: true, kind: ping.kind });
  };
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    for (const url of [`${API_PREFIX}/ping/:token`, `${API_PREFIX}/ping/:token/:action`]) {
      scope.route({ method: ['GET', 'POST'], url, handler: handle });
    }
  });
}

/** GET /checks/:id/ping-url (admin): the ping URL path of a heartbeat check, its token made on first ask. */
export function pingUrlRoutes(ctx: ApiContext): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET', path: '/checks/:id/ping-url', access: 'admin', summary: "A heartbeat check's ping path (its token is the secret: admin only)",
      params: z.object({ id: z.string() }),
      response: z.object({ checkId: z.string(), path: z.string(), token: z.string() }),
      errors: [404],
      async handler({ params }) {
        const check = checkById(ctx.config(), params.id);
        if (check?.type !== 'heartbeat') throw notFound(`no heartbeat check has the id "${params.id}"`);
        const token = await heartbeatTokenOf(ctx.redis, check.id);
        return { checkId: check.id, path: pingPathOf(token), token };
      },
    }),
  ];
}
