import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 and a free port, for probes and receivers to talk to. */
export async function startHttpServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** One request a switchable target answered: when it arrived (epoch ms) and the status sent. */
export interface ServedRequest {
  at: number;
  status: number;
}

/** A target whose health a test can switch: 200 {"status":"ok"} while up, 503 while down. */
export async function startSwitchableTarget(): Promise<TestServer & { setUp(up: boolean): void; hits(): number; served(): ServedRequest[] }> {
  let up = true;
  const served: ServedRequest[] = [];
  const server = await startHttpServer((_req, res) => {
    const status = up ? 200 : 503;
    served.push({ at: Date.now(), status });
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: up ? 'ok' : 'down' }));
  });
  return { ...server, setUp: (value) => { up = value; }, hits: () => served.length, served: () => [...served] };
}
