import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tcpProbe, TCP_READ_LIMIT_BYTES } from '../../../libs/probes/tcp.js';
import { freePort } from '../../../scripts/local-stack/ports.js';
import { pingPongServer, startTcpServer, type TestTcpServer } from '../../support/tcp-servers.js';
import { makeCaAndServer, makeCertificate, type TestCertificate } from '../../support/tls-certs.js';
import { startTlsServer } from '../../support/tls-servers.js';
import { tcpCheck } from './checks.js';

describe('tcp probe', () => {
  let closing: TestTcpServer;
  let redisLike: TestTcpServer;
  let silent: TestTcpServer;
  let chatty: TestTcpServer;
  let received: string[];

  beforeAll(async () => {
    received = [];
    closing = await startTcpServer((socket) => socket.end());
    redisLike = await startTcpServer((socket) => {
      socket.on('data', (chunk: Buffer) => received.push(chunk.toString('utf8')));
      pingPongServer()(socket);
    });
    silent = await startTcpServer(() => undefined);
    // Sends 1 KiB chunks without ever saying what the check expects, until the client goes away.
    chatty = await startTcpServer((socket) => {
      const chunk = 'z'.repeat(1024);
      for (let i = 0; i < (TCP_READ_LIMIT_BYTES / 1024) * 2; i += 1) socket.write(chunk);
    });
  });
  afterAll(async () => {
    await Promise.all([closing, redisLike, silent, chatty].map((server) => server.close()));
  });

  it('is up when the port accepts a connection, with the connect time', async () => {
    const outcome = await tcpProbe.run(tcpCheck(closing.port));
    expect(outcome.ok).toBe(true);
    expect(outcome.timings.connectMs).toBeGreaterThanOrEqual(0);
    expect(outcome.timings).not.toHaveProperty('dnsMs');
  });

  it('times name resolution when the host is a name', async () => {
    const outcome = await tcpProbe.run(tcpCheck(closing.port, { host: 'localhost' }));
    expect(outcome.timings.dnsMs).toBeGreaterThanOrEqual(0);
  });

  it('is down with class refused when nothing listens', async () => {
    expect(await tcpProbe.run(tcpCheck(await freePort()))).toMatchObject({ ok: false, errorClass: 'refused' });
  });

  describe('banner and reply', () => {
    it('passes when the banner contains expect', async () => {
      const outcome = await tcpProbe.run(tcpCheck(redisLike.port, { expect: '+OK vigil-test' }));
      expect(outcome).toMatchObject({ ok: true });
      expect(outcome.timings.firstByteMs).toBeGreaterThanOrEqual(0);
    });

    it('sends send and finds expect in the reply', async () => {
      const outcome = await tcpProbe.run(tcpCheck(redisLike.port, { send: 'PING\r\n', expect: '+PONG' }));
      expect(outcome).toMatchObject({ ok: true });
      expect(received.at(-1)).toBe('PING\r\n');
    });

    it('sends without expecting anything, and passes once it is written', async () => {
      expect(await tcpProbe.run(tcpCheck(redisLike.port, { send: 'PING\r\n' }))).toMatchObject({ ok: true });
    });

    it('fails with class timeout when the reply does not contain expect, quoting what came', async () => {
      const outcome = await tcpProbe.run(tcpCheck(redisLike.port, { send: 'HELLO\r\n', expect: '+PONG', timeoutMs: 300 }));
      expect(outcome).toMatchObject({ ok: false, errorClass: 'timeout' });
      expect(outcome.message).toContain('-ERR unknown \\"HELLO\\"');
    });

    it('fails with class timeout when the server says nothing', async () => {
      const outcome = await tcpProbe.run(tcpCheck(silent.port, { expect: 'SSH-2.0', timeoutMs: 300 }));
      expect(outcome).toMatchObject({ ok: false, errorClass: 'timeout', message: expect.stringContaining('nothing was received') });
    });

    it('fails with class assertion when the server closes without it', async () => {
      const outcome = await tcpProbe.run(tcpCheck(closing.port, { expect: 'SSH-2.0' }));
      expect(outcome).toMatchObject({ ok: false, errorClass: 'assertion', message: expect.stringContaining('closed the connection') });
    });

    it('stops reading at the byte cap', async () => {
      const started = performance.now();
      const outcome = await tcpProbe.run(tcpCheck(chatty.port, { expect: 'never', timeoutMs: 5_000 }));
      expect(outcome).toMatchObject({ ok: false, errorClass: 'assertion', message: expect.stringContaining(`first ${TCP_READ_LIMIT_BYTES} bytes`) });
      expect(performance.now() - started).toBeLessThan(2_000);
    });

    it('finds expect split across two packets', async () => {
      const split = await startTcpServer((socket) => {
        socket.write('+PO');
        setTimeout(() => socket.write('NG\r\n'), 20);
      });
      try {
        expect(await tcpProbe.run(tcpCheck(split.port, { expect: '+PONG' }))).toMatchObject({ ok: true });
      } finally {
        await split.close();
      }
    });
  });

  describe('over TLS', () => {
    let ca: TestCertificate;
    let tlsServer: Awaited<ReturnType<typeof startTlsServer>>;
    let selfSigned: Awaited<ReturnType<typeof startTlsServer>>;

    beforeAll(async () => {
      const signed = await makeCaAndServer();
      ca = signed.ca;
      tlsServer = await startTlsServer(signed.server, (socket) => pingPongServer('* OK IMAP ready\r\n')(socket));
      selfSigned = await startTlsServer(await makeCertificate(), (socket) => socket.end('hello\r\n'));
    });
    afterAll(async () => {
      await tlsServer.close();
      await selfSigned.close();
    });

    it('speaks through TLS with a trusted CA and reports the certificate days', async () => {
      const outcome = await tcpProbe.run(tcpCheck(tlsServer.port, { tls: { verify: true, ca: ca.cert }, send: 'PING\r\n', expect: '+PONG' }));
      expect(outcome).toMatchObject({ ok: true });
      expect(outcome.timings.tlsMs).toBeGreaterThanOrEqual(0);
      expect(outcome.certDaysLeft).toBeGreaterThan(80);
    });

    it('fails with class tls on an untrusted certificate', async () => {
      expect(await tcpProbe.run(tcpCheck(selfSigned.port, { tls: { verify: true } }))).toMatchObject({ ok: false, errorClass: 'tls' });
    });

    it('accepts it with verify: false', async () => {
      expect(await tcpProbe.run(tcpCheck(selfSigned.port, { tls: { verify: false }, expect: 'hello' }))).toMatchObject({ ok: true });
    });

    it('fails with class tls when the port does not speak TLS', async () => {
      const outcome = await tcpProbe.run(tcpCheck(redisLike.port, { tls: { verify: false } }));
      expect(outcome).toMatchObject({ ok: false, errorClass: 'tls' });
    });
  });
});
