import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Config } from '../../libs/config/index.js';
import type { MetricsReader } from '../../libs/metrics/index.js';
import type { MetricsRegistry } from '../../libs/self-monitoring/registry.js';
import { createQueue } from '../../libs/queues/index.js';
import type { ConfigSnapshot } from '../../libs/config-sync.js';
import { recordRequestMetrics } from './metrics.js';
import { PingBatcher } from './ping-batcher.js';
import { authorize, knownTokens, type KnownToken } from './auth.js';
import type { ApiContext } from './context.js';
import { openApiDocument } from './openapi.js';
import { ApiError, defineRoute, registerRoute, useZodValidation, type AnyRoute } from './route.js';
import { alertRoutes } from './routes/alerts.js';
import { checkRoutes } from './routes/checks.js';
import { configRoutes } from './routes/config.js';
import { deliveryRoutes } from './routes/deliveries.js';
import { historyRoutes } from './routes/history.js';
import { overviewRoutes } from './routes/overview.js';
import { queueRoutes } from './routes/queues.js';
import { eventRoutes } from './routes/events.js';
import { maintenanceRoutes } from './routes/maintenance.js';
import { pingUrlRoutes, registerPingRoutes, type PingRateLimit } from './routes/ping.js';
import { silenceRoutes } from './routes/silences.js';
import { watchRoutes } from './routes/watches.js';
import { registerDashboard } from './dashboard.js';
import { registerQueueBoard } from './admin-queues.js';
import { registerStreamRoute } from './stream.js';

export interface ApiServerOptions {
  redis: Redis;
  log: Logger;
  /** The configuration running now; main.ts swaps it on reload, so tokens and checks follow edits. */
  snapshot(): ConfigSnapshot;
  now?: () => Date;
  /** Heartbeat pings per token and window (routes/ping.ts DEFAULT_PING_RATE_LIMIT). */
  pingRateLimit?: PingRateLimit;
  /** Where history, uptime and the overview read probe results; absent: INFLUX_URL is not set. */
  metrics?: MetricsReader;
  /** The process's Prometheus registry: request counts and durations are recorded there (metrics.ts). */
  registry?: MetricsRegistry;
}

/** Bodies are a silence or an acknowledgement: small. */
const BODY_LIMIT_BYTES = 64 * 1024;
const API_VERSION = '1.0.0';

export function apiRoutes(ctx: ApiContext, servedSha: () => string): AnyRoute[] {
  const routes: AnyRoute[] = [
    ...checkRoutes(ctx), ...watchRoutes(ctx), ...alertRoutes(ctx), ...silenceRoutes(ctx),
    ...maintenanceRoutes(ctx), ...deliveryRoutes(ctx), ...configRoutes(ctx, servedSha), ...pingUrlRoutes(ctx),
    ...historyRoutes(ctx), ...overviewRoutes(ctx), ...queueRoutes(ctx), ...eventRoutes(ctx),
  ];
  let document: Record<string, unknown> | undefined;
  routes.push(defineRoute({
    method: 'GET', path: '/openapi.json', access: 'public', summary: 'This document',
    response: z.record(z.string(), z.unknown()),
    async handler() {
      document ??= openApiDocument(routes, API_VERSION);
      return document;
    },
  }));
  return routes;
}

/** The fastify app of the api service, not listening yet: main.ts listens on API_HOST:API_PORT, tests on port 0. */
export function buildApiServer(options: ApiServerOptions): FastifyInstance {
  const { redis, log, snapshot } = options;
  const config = (): Config => snapshot().config;
  const results = createQueue('results', redis);
  const ctx: ApiContext = { redis, config, now: options.now ?? (() => new Date()), results, ...(options.metrics ? { metrics: options.metrics } : {}) };
  // Hashed once per configuration, not per request.
  const tokensByConfig = new WeakMap<Config, KnownToken[]>();
  const tokens = (current: Config): KnownToken[] => {
    let known = tokensByConfig.get(current);
    if (!known) tokensByConfig.set(current, (known = knownTokens(current.api)));
    return known;
  };

  // No request logging: a line per request is noise at a status page's poll rate, and never carries the Authorization header.
  const app = Fastify({ loggerInstance: log as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }), bodyLimit: BODY_LIMIT_BYTES });
  useZodValidation(app);
  if (options.registry) recordRequestMetrics(app, options.registry);

  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    if (error instanceof ApiError) {
      if (error.status === 401) void reply.header('www-authenticate', 'Bearer realm="vigil"');
      return reply.code(error.status).send({ code: error.code, message: error.message, ...(error.problems.length > 0 ? { problems: error.problems } : {}) });
    }
    const status = error.statusCode ?? 500;
    // fastify's own refusals (unparsable JSON, wrong content type, a body too large) are the caller's.
    if (status >= 400 && status < 500) return reply.code(status).send({ code: 'VIGIL_API_INVALID', message: error.message });
    log.error({ err: error, method: request.method, url: request.routeOptions.url }, 'api request failed');
    return reply.code(500).send({ code: 'VIGIL_API_INTERNAL', message: 'internal error; the api service logged it' });
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ code: 'VIGIL_API_NOT_FOUND', message: `no endpoint ${request.method} ${request.url.split('?')[0]}` }));

  const authorizeRequest = (request: { headers: { authorization?: string | undefined } }, access: Parameters<typeof authorize>[0]): string | undefined => {
    const current = config();
    const decision = authorize(access, request.headers.authorization, current.api.publicRead, tokens(current));
    if (!decision.allowed) throw new ApiError(decision.status, decision.code, decision.message);
    return decision.tokenId;
  };
  for (const route of apiRoutes(ctx, () => snapshot().sha)) registerRoute(app, route, authorizeRequest);
  const pings = new PingBatcher(results);
  app.addHook('onClose', async () => {
    await pings.flush();
    await results.close();
  });
  registerPingRoutes(app, ctx, pings, options.pingRateLimit);
  registerStreamRoute(app, ctx, authorizeRequest, log);
  registerDashboard(app);
  registerQueueBoard(app, ctx, authorizeRequest);
  return app;
}
