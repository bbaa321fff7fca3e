/**
 * The self-monitoring listener of a service process: GET /healthz, /readyz and /metrics.
 * Plain node:http rather than a framework: three fixed routes without parameters or bodies
 * need no routing, validation or plugins, and every service gets them for one small file.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { text, wholeNumber } from '../env.js';
import { checkReadiness, type ReadinessChecks } from './readiness.js';
import type { MetricsRegistry } from './registry.js';

/**
 * VIGIL_HEALTH_PORT turns the listener on (0: any free port, logged); unset, a service opens
 * no port at all. VIGIL_HEALTH_HOST narrows where it listens (all interfaces by default, so
 * an orchestrator or Prometheus outside the container can reach it).
 */
export const HEALTH_ENV = z.object({
  VIGIL_HEALTH_PORT: wholeNumber(0, 65_535).optional(),
  VIGIL_HEALTH_HOST: text().optional(),
});

/** Where the service is in its life, for /readyz: only a running service takes work. */
export type ServicePhase = 'starting' | 'running' | 'stopping';

export interface HealthSource {
  phase(): ServicePhase;
  /** The running service's checks; none until it started. */
  readiness(): ReadinessChecks;
  registry: MetricsRegistry;
}

export interface HealthListener {
  port: number;
  close(): Promise<void>;
}

/** The answer to GET /readyz: 200 when running and every dependency answered, else 503 saying why. */
export async function readinessAnswer(source: Pick<HealthSource, 'phase' | 'readiness'>, timeoutMs?: number): Promise<{ status: number; body: Record<string, unknown> }> {
  const phase = source.phase();
  if (phase !== 'running') return { status: 503, body: { status: phase, unreachable: {} } };
  const report = await checkReadiness(source.readiness(), timeoutMs);
  return report.ready
    ? { status: 200, body: { status: 'ready', unreachable: {} } }
    : { status: 503, body: { status: 'unavailable', unreachable: report.unreachable } };
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json; charset=utf-8', `${JSON.stringify(body)}\n`);
}

async function answer(source: HealthSource, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const routes: Record<string, () => Promise<void>> = {
    // Answering at all is the point: the event loop is turning.
    '/healthz': async () => sendJson(res, 200, { status: 'ok' }),
    '/readyz': async () => {
      const { status, body } = await readinessAnswer(source);
      sendJson(res, status, body);
    },
    '/metrics': async () => send(res, 200, source.registry.contentType, await source.registry.metrics()),
  };
  const route = routes[path];
  if (route === undefined) return sendJson(res, 404, { error: `no route ${path}; try /healthz, /readyz or /metrics` });
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return sendJson(res, 405, { error: `${req.method} is not allowed; use GET` });
  }
  await route();
}

/** Listens on port (0: any free one); resolves once listening, with the port it got. */
export async function startHealthListener(source: HealthSource, port: number, host?: string): Promise<HealthListener> {
  const server = createServer((req, res) => {
    answer(source, req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: err instanceof Error ? err.message : String(err) });
      else res.destroy();
    });
  });
  // A scrape must not keep a stopping service alive.
  server.unref();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
