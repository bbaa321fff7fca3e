import type { LookupAddress } from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyError } from '../../../libs/probes/classify.js';
import { openConnection, type ConnectionRecord, type ConnectTarget } from '../../../libs/probes/connect.js';
import { startTcpServer, type TestTcpServer } from '../../support/tcp-servers.js';
import { makeCaAndServer, makeCertificate, type TestCertificate } from '../../support/tls-certs.js';
import { startTlsServer } from '../../support/tls-servers.js';

type Lookup = NonNullable<ConnectTarget['lookup']>;

/** A resolver that answers from a table, so name resolution is tested without any network. */
function tableLookup(table: Record<string, string>, delayMs = 0): Lookup {
  return ((hostname: string, options: { all?: boolean }, callback: (err: NodeJS.ErrnoException | null, address?: string | LookupAddress[], family?: number) => void) => {
    setTimeout(() => {
      const address = table[hostname];
      if (address === undefined) {
        callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname }));
        return;
      }
      if (options.all) callback(null, [{ address, family: 4 }]);
      else callback(null, address, 4);
    }, delayMs);
  }) as Lookup;
}

describe('openConnection', () => {
  let server: TestTcpServer;
  beforeAll(async () => {
    server = await startTcpServer((socket) => socket.end());
  });
  afterAll(() => server.close());

  it('times name resolution and the TCP handshake separately', async () => {
    const record: ConnectionRecord = {};
    const socket = await openConnection({ host: 'db.test', port: server.port, deadline: performance.now() + 1_000, lookup: tableLookup({ 'db.test': '127.0.0.1' }, 30) }, record);
    socket.destroy();
    expect(record.dnsMs).toBeGreaterThanOrEqual(25);
    expect(record.connectMs).toBeGreaterThanOrEqual(0);
  });

  it('fails with class dns when the name does not resolve', async () => {
    const failed = await openConnection({ host: 'nowhere.test', port: server.port, deadline: performance.now() + 1_000, lookup: tableLookup({}) }, {}).then(() => undefined, (err: unknown) => err);
    expect(classifyError(failed).errorClass).toBe('dns');
  });

  it('fails with class timeout naming the phase when resolution is too slow', async () => {
    const failed = await openConnection({ host: 'slow.test', port: server.port, deadline: performance.now() + 50, lookup: tableLookup({ 'slow.test': '127.0.0.1' }, 500) }, {}).then(() => undefined, (err: unknown) => err);
    expect(classifyError(failed)).toMatchObject({ errorClass: 'timeout', message: expect.stringContaining('DNS lookup') });
  });
});

describe('openConnection over TLS', () => {
  let ca: TestCertificate;
  let trusted: Awaited<ReturnType<typeof startTlsServer>>;
  let selfSigned: Awaited<ReturnType<typeof startTlsServer>>;
  beforeAll(async () => {
    const signed = await makeCaAndServer();
    ca = signed.ca;
    [trusted, selfSigned] = await Promise.all([startTlsServer(signed.server), startTlsServer(await makeCertificate())]);
  });
  afterAll(async () => {
    await Promise.all([trusted?.close(), selfSigned?.close()]);
  });

  const connect = (port: number, tls: NonNullable<ConnectTarget['tls']>, record: ConnectionRecord) =>
    openConnection({ host: '127.0.0.1', port, deadline: performance.now() + 2_000, tls }, record);

  it('with verify, accepts a chain the given CA signed and records the handshake', async () => {
    const record: ConnectionRecord = {};
    (await connect(trusted.port, { verify: true, ca: ca.cert }, record)).destroy();
    expect(record.tls).toMatchObject({ chainTrusted: true, identity: '127.0.0.1' });
    expect(record.tls?.identityError).toBeUndefined();
    expect(record.tlsMs).toBeGreaterThanOrEqual(0);
  });

  it('with verify, refuses an untrusted chain with class tls and still records the days left', async () => {
    const record: ConnectionRecord = {};
    const failed = await connect(selfSigned.port, { verify: true }, record).then(() => undefined, (err: unknown) => err);
    expect(classifyError(failed)).toMatchObject({ errorClass: 'tls', message: expect.stringContaining('certificate not trusted: it is self-signed') });
    expect(record.tls?.certDaysLeft).toBeGreaterThan(80);
    expect(record.tlsMs).toBeGreaterThanOrEqual(0);
  });

  it('with verify, refuses a certificate for another name', async () => {
    const failed = await connect(trusted.port, { verify: true, ca: ca.cert, serverName: 'other.test' }, {}).then(() => undefined, (err: unknown) => err);
    expect(classifyError(failed)).toMatchObject({ errorClass: 'tls', message: expect.stringContaining('certificate does not match other.test') });
  });

  it('without verify, connects to anything and records why it would not verify', async () => {
    const record: ConnectionRecord = {};
    (await connect(selfSigned.port, { verify: false, serverName: 'other.test' }, record)).destroy();
    expect(record.tls).toMatchObject({ chainTrusted: false, chainError: 'DEPTH_ZERO_SELF_SIGNED_CERT', identity: 'other.test', identityError: expect.any(String) });
  });
});
