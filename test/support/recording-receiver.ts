import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface Answer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  /** Hold the answer this long (to exceed a channel's timeout). */
  delayMs?: number;
}

/** Decides the answer to the n-th request (0-based); default 200. */
export type Responder = (index: number, request: ReceivedRequest) => Answer;

/**
 * A real HTTP server on a loopback port that records every request it receives, like an
 * Alertmanager webhook receiver would see them.
 */
export class RecordingReceiver {
  readonly requests: ReceivedRequest[] = [];
  private server: Server | undefined;
  private answered = 0;

  constructor(private responder: Responder = () => ({ status: 200 })) {}

  /** Listens on `port` (0 = any free one) and resolves with the URL to post to. */
  async start(port = 0): Promise<string> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const recorded: ReceivedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: parseJson(text) };
        this.requests.push(recorded);
        const answer = this.responder(this.answered++, recorded);
        const reply = (): void => {
          res.statusCode = answer.status;
          for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
          res.end(answer.body ?? '');
        };
        if (answer.delayMs) setTimeout(reply, answer.delayMs).unref();
        else reply();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    return this.url;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks/vigil`;
  }

  /** Bodies of the requests received so far, typed for assertions. */
  bodies<T = Record<string, unknown>>(): T[] {
    return this.requests.map((request) => request.body as T);
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
