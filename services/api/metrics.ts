/**
 * The api service's Prometheus metrics: requests by route template (never the raw URL, so ids
 * and ping tokens neither leak nor multiply series), method and status class, and how long
 * they took.
 */
import type { FastifyInstance } from 'fastify';
import { Counter, Histogram } from 'prom-client';
import type { MetricsRegistry } from '../../libs/self-monitoring/registry.js';

/** Requests that matched no route share one label value. */
export const UNMATCHED_ROUTE = 'unmatched';

export function recordRequestMetrics(app: FastifyInstance, registry: MetricsRegistry): void {
  const requests = new Counter({
    name: 'vigil_api_requests_total',
    help: 'HTTP requests answered by the api, by route template, method and status class (2xx, 4xx, 5xx).',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const durations = new Histogram({
    name: 'vigil_api_request_duration_seconds',
    help: 'Time from request to response by route template.',
    labelNames: ['route'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    requests.inc({ route, method: request.method, status: `${Math.floor(reply.statusCode / 100)}xx` });
    durations.observe({ route }, reply.elapsedTime / 1_000);
  });
}
