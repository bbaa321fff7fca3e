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

/** A target whose health a test can switch: 200 {"status":"ok"} while up, 503 while down. */
export async function startSwitchableTarget(): Promise<TestServer & { setUp(up: boolean): void; hits(): number }> {
  let up = true;
  let hits = 0;
  const server = await startHttpServer((_req, res) => {
    hits += 1;
    res.writeHead(up ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: up ? 'ok' : 'down' }));
  });
  return { ...server, setUp: (value) => { up = value; }, hits: () => hits };
}
