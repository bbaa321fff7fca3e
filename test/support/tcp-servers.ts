import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TestTcpServer {
  port: number;
  server: Server;
  close(): Promise<void>;
}

/** A real TCP server on 127.0.0.1 and a free port; open sockets are destroyed on close. */
export async function startTcpServer(onConnection: (socket: Socket) => void): Promise<TestTcpServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    server,
    close: () => new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}

/**
 * A line protocol like Redis's inline commands: a banner on connect, "+PONG\r\n" for each
 * "PING\r\n", "-ERR" for anything else.
 */
export function pingPongServer(banner = '+OK vigil-test ready\r\n'): (socket: Socket) => void {
  return (socket) => {
    socket.write(banner);
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let end = buffered.indexOf('\r\n');
      while (end >= 0) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        socket.write(line === 'PING' ? '+PONG\r\n' : `-ERR unknown ${JSON.stringify(line)}\r\n`);
        end = buffered.indexOf('\r\n');
      }
    });
  };
}
