/**
 * A tiny local target and webhook receiver, so the example configuration has something real
 * to watch and somewhere real to send alerts:
 *
 *   GET  /healthz   200 {"status":"ok"} while up, 503 {"status":"down"} while down
 *   POST /down, /up toggle that (GET works too, for a browser)
 *   POST /webhook   takes an Alertmanager-style JSON body and prints one line per alert
 *   GET  /webhook   the last 100 bodies received, oldest first
 *
 * `npm start` runs it in-process; `node --import tsx scripts/demo-server.ts` runs it alone
 * (DEMO_PORT, default 8099; DEMO_HOST, default 0.0.0.0), as docker-compose does.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';

export const DEFAULT_DEMO_PORT = 8099;
const KEEP_BODIES = 100;
const MAX_BODY_BYTES = 1024 * 1024;

export interface DemoServerOptions {
  /** 0 picks a free port. */
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Receives one human-readable line per event (webhook alerts, up/down switches). */
  onLine?: (line: string) => void;
}

export interface DemoServer {
  url: string;
  port: number;
  isUp(): boolean;
  setUp(up: boolean): void;
  /** Webhook bodies received, oldest first (at most 100). */
  received(): unknown[];
  close(): Promise<void>;
}

const HELP = `Vigil demo server
  GET  /healthz   200 {"status":"ok"} while up, 503 {"status":"down"} while down
  POST /down      make /healthz fail        (GET works too, from a browser)
  POST /up        make /healthz pass again  (GET works too)
  POST /webhook   receive an Alertmanager-style alert notification (JSON)
  GET  /webhook   the last ${KEEP_BODIES} notifications received, as JSON
`;

export async function startDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  const onLine = options.onLine ?? (() => {});
  const host = options.host ?? '127.0.0.1';
  let up = true;
  const bodies: unknown[] = [];

  const setUp = (next: boolean): void => {
    if (next !== up) onLine(`demo target is now ${next ? 'UP: /healthz answers 200' : 'DOWN: /healthz answers 503'}`);
    up = next;
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: (err as Error).message });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://demo').pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    const readOnly = method === 'GET' || method === 'HEAD';
    switch (path) {
      case '/':
        if (!readOnly) return methodNotAllowed(res, 'GET');
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(HELP);
        return;
      case '/healthz':
        if (!readOnly) return methodNotAllowed(res, 'GET');
        sendJson(res, up ? 200 : 503, { status: up ? 'ok' : 'down' });
        return;
      case '/down':
      case '/up':
        if (method !== 'POST' && method !== 'GET') return methodNotAllowed(res, 'POST, GET');
        setUp(path === '/up');
        sendJson(res, 200, { status: up ? 'ok' : 'down' });
        return;
      case '/webhook': {
        if (readOnly) {
          sendJson(res, 200, bodies);
          return;
        }
        if (method !== 'POST') return methodNotAllowed(res, 'POST, GET');
        const text = await readBody(req);
        if (text === undefined) {
          sendJson(res, 413, { error: `body larger than ${MAX_BODY_BYTES} bytes` });
          return;
        }
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch (err) {
          sendJson(res, 400, { error: `body is not valid JSON: ${(err as Error).message}` });
          return;
        }
        bodies.push(body);
        if (bodies.length > KEEP_BODIES) bodies.splice(0, bodies.length - KEEP_BODIES);
        for (const line of describeNotification(body)) onLine(`webhook received: ${line}`);
        sendJson(res, 200, { received: true });
        return;
      }
      default:
        sendJson(res, 404, { error: `no such endpoint ${path}; GET / lists them` });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}`,
    port,
    isUp: () => up,
    setUp,
    received: () => [...bodies],
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/** One line per alert: "FIRING demo-app (CheckDown): demo-app is down: …". */
export function describeNotification(body: unknown): string[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return [`a JSON ${Array.isArray(body) ? 'list' : typeof body}, not an Alertmanager notification`];
  const { status, alerts } = body as { status?: unknown; alerts?: unknown };
  if (!Array.isArray(alerts) || alerts.length === 0) return [`${String(status ?? 'unknown').toUpperCase()} (no alerts in the body)`];
  return alerts.map((alert: unknown) => {
    const { status: alertStatus, labels, annotations } = (alert ?? {}) as { status?: unknown; labels?: Record<string, unknown>; annotations?: Record<string, unknown> };
    const subject = labels?.check ?? labels?.watch ?? labels?.instance ?? '?';
    const name = labels?.alertname === undefined ? '' : ` (${String(labels.alertname)})`;
    const summary = annotations?.summary ?? annotations?.description;
    return `${String(alertStatus ?? status ?? 'unknown').toUpperCase()} ${String(subject)}${name}${summary === undefined ? '' : `: ${String(summary)}`}`;
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  res.writeHead(405, { 'content-type': 'application/json', allow }).end(`${JSON.stringify({ error: `method not allowed; use ${allow}` })}\n`);
}

/** The body as text, or undefined when it is too large. */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function main(): Promise<void> {
  const port = Number(process.env.DEMO_PORT ?? DEFAULT_DEMO_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`DEMO_PORT must be a port number, got ${process.env.DEMO_PORT}`);
  const host = process.env.DEMO_HOST ?? '0.0.0.0';
  const log = (line: string): void => {
    process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  };
  const demo = await startDemoServer({ port, host, onLine: log });
  log(`demo server listening on http://${host}:${demo.port} (GET / for help)`);
  const stop = (): void => {
    void demo.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`demo server: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
