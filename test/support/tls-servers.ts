import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import type { TestCertificate } from './tls-certs.js';

export interface TestTlsEndpoint<S> {
  port: number;
  server: S;
  /** The SNI names clients asked for, in order. */
  serverNames: Array<string | false>;
  close(): Promise<void>;
}

/** Other certificates served by SNI name, besides the default one. */
type SniCertificates = Record<string, TestCertificate>;

/** A real HTTPS server on 127.0.0.1 and a free port. */
export async function startHttpsServer(
  certificate: TestCertificate,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  sni: SniCertificates = {},
): Promise<TestTlsEndpoint<HttpsServer> & { url: string }> {
  const server = createHttpsServer({ key: certificate.key, cert: certificate.cert }, handler);
  for (const [name, cert] of Object.entries(sni)) server.addContext(name, { key: cert.key, cert: cert.cert });
  const serverNames: Array<string | false> = [];
  server.on('secureConnection', (socket: TLSSocket) => serverNames.push(socket.servername ?? false));
  const port = await listen(server);
  return {
    port,
    url: `https://127.0.0.1:${port}`,
    server,
    serverNames,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A TLS server without HTTP (like SMTPS): `onConnection` gets each secure socket. */
export async function startTlsServer(
  certificate: TestCertificate,
  onConnection: (socket: TLSSocket) => void = (socket) => socket.end(),
  sni: SniCertificates = {},
): Promise<TestTlsEndpoint<TlsServer>> {
  const server = createTlsServer({ key: certificate.key, cert: certificate.cert }, onConnection);
  for (const [name, cert] of Object.entries(sni)) server.addContext(name, { key: cert.key, cert: cert.cert });
  const serverNames: Array<string | false> = [];
  const sockets = new Set<TLSSocket>();
  server.on('secureConnection', (socket: TLSSocket) => {
    serverNames.push(socket.servername ?? false);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  server.on('tlsClientError', () => undefined);
  const port = await listen(server);
  return {
    port,
    server,
    serverNames,
    close: () => new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}

async function listen(server: HttpsServer | TlsServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}
