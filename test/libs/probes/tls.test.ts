import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TlsCheckConfig } from '../../../libs/config/index.js';
import { tcpProbe } from '../../../libs/probes/tcp.js';
import { tlsProbe } from '../../../libs/probes/tls.js';
import { freePort } from '../../../scripts/local-stack/ports.js';
import { eventually } from '../../support/infra.js';
import { startTcpServer, type TestTcpServer } from '../../support/tcp-servers.js';
import { daysFromNow, makeCaAndServer, makeCertificate, type TestCertificate } from '../../support/tls-certs.js';
import { startTlsServer } from '../../support/tls-servers.js';
import { tcpCheck, tlsCheck } from './checks.js';

type TlsEndpoint = Awaited<ReturnType<typeof startTlsServer>>;
const DAY_MS = 86_400_000;

describe('tls probe', () => {
  let ca: TestCertificate;
  let good: TlsEndpoint;
  let expiring: TlsEndpoint;
  let expired: TlsEndpoint;
  let selfSigned: TlsEndpoint;
  let named: TlsEndpoint;
  let plain: TestTcpServer;

  beforeAll(async () => {
    const signed = await makeCaAndServer({ notAfter: daysFromNow(60) });
    ca = signed.ca;
    const [soon, past, self, mail] = await Promise.all([
      makeCertificate({ issuer: ca, notAfter: daysFromNow(3) }),
      makeCertificate({ issuer: ca, notBefore: daysFromNow(-40), notAfter: daysFromNow(-1) }),
      makeCertificate(),
      makeCertificate({ issuer: ca, names: ['mail.test'], ips: [] }),
    ]);
    [good, expiring, expired, selfSigned, named] = await Promise.all([
      startTlsServer(signed.server, (socket) => socket.end('220 smtp.test ESMTP\r\n')),
      startTlsServer(soon),
      startTlsServer(past),
      startTlsServer(self),
      startTlsServer(mail),
    ]);
    plain = await startTcpServer((socket) => socket.end('220 plain ESMTP\r\n'));
  });
  afterAll(async () => {
    await Promise.all([good, expiring, expired, selfSigned, named, plain].map((server) => server?.close()));
  });

  it('passes a trusted, matching certificate and reports its days left and phases', async () => {
    const outcome = await tlsProbe.run(tlsCheck(good.port, { ca: ca.cert, expect: { certExpiresAfterMs: 30 * DAY_MS } }));
    expect(outcome).toMatchObject({ ok: true });
    expect(outcome.certDaysLeft).toBeGreaterThan(59);
    expect(outcome.certDaysLeft).toBeLessThanOrEqual(60);
    expect(outcome.timings).toEqual({ connectMs: expect.any(Number), tlsMs: expect.any(Number), totalMs: expect.any(Number) });
  });

  it('fails with class tls when fewer days are left than certExpiresAfter', async () => {
    const outcome = await tlsProbe.run(tlsCheck(expiring.port, { ca: ca.cert, expect: { certExpiresAfterMs: 14 * DAY_MS } }));
    expect(outcome).toMatchObject({ ok: false, errorClass: 'tls', message: expect.stringMatching(/expires in 2\.\d+ days/) });
    expect(outcome.certDaysLeft).toBeLessThan(3);
  });

  it('fails an expired certificate with class tls, with negative days left', async () => {
    const outcome = await tlsProbe.run(tlsCheck(expired.port, { ca: ca.cert }));
    expect(outcome).toMatchObject({ ok: false, errorClass: 'tls', message: expect.stringContaining('expired') });
    expect(outcome.certDaysLeft).toBeLessThan(0);
  });

  it('fails an untrusted chain with class tls, and still reports the days left', async () => {
    const outcome = await tlsProbe.run(tlsCheck(selfSigned.port));
    expect(outcome).toMatchObject({ ok: false, errorClass: 'tls', message: expect.stringContaining('not trusted') });
    expect(outcome.certDaysLeft).toBeGreaterThan(80);
  });

  it('fails a host name mismatch with class tls', async () => {
    const outcome = await tlsProbe.run(tlsCheck(named.port, { ca: ca.cert }));
    expect(outcome).toMatchObject({ ok: false, errorClass: 'tls', message: expect.stringContaining('does not match 127.0.0.1') });
  });

  it('checks the certificate against serverName, and sends it as SNI', async () => {
    expect(await tlsProbe.run(tlsCheck(named.port, { ca: ca.cert, serverName: 'mail.test' }))).toMatchObject({ ok: true });
    // The server learns of the session a moment after the probe has closed it.
    await eventually('the server to see SNI mail.test', () => named.serverNames.includes('mail.test') || undefined, 2_000, 10);
  });

  it('with verify: false checks only the expiry', async () => {
    expect(await tlsProbe.run(tlsCheck(selfSigned.port, { verify: false, expect: { certExpiresAfterMs: DAY_MS } }))).toMatchObject({ ok: true });
    expect(await tlsProbe.run(tlsCheck(expired.port, { verify: false, expect: { certExpiresAfterMs: DAY_MS } }))).toMatchObject({ ok: false, errorClass: 'tls' });
  });

  it.each<{ name: string; server: () => TlsEndpoint; settings: () => Partial<TlsCheckConfig> }>([
    { name: 'a trusted certificate', server: () => good, settings: () => ({ ca: ca.cert }) },
    { name: 'an expired one', server: () => expired, settings: () => ({ ca: ca.cert }) },
    { name: 'a self-signed one', server: () => selfSigned, settings: () => ({}) },
    { name: 'a self-signed one without verify', server: () => selfSigned, settings: () => ({ verify: false }) },
    { name: 'one for another name', server: () => named, settings: () => ({ ca: ca.cert }) },
    { name: 'one for its serverName', server: () => named, settings: () => ({ ca: ca.cert, serverName: 'mail.test' }) },
  ])('verifies $name as a TCP check with the same tls settings does', async ({ server, settings }) => {
    const { verify = true, ca: trustedCa, serverName } = settings();
    const tls = { verify, ...(trustedCa === undefined ? {} : { ca: trustedCa }), ...(serverName === undefined ? {} : { serverName }) };
    const verdict = ({ ok, errorClass, message }: { ok: boolean; errorClass?: string; message?: string }) => ({ ok, errorClass, message });
    const [asTls, asTcp] = await Promise.all([tlsProbe.run(tlsCheck(server().port, tls)), tcpProbe.run(tcpCheck(server().port, { tls }))]);
    expect(verdict(asTls)).toEqual(verdict(asTcp));
  });

  it('fails with class refused when nothing listens', async () => {
    expect(await tlsProbe.run(tlsCheck(await freePort()))).toMatchObject({ ok: false, errorClass: 'refused' });
  });

  it('fails a port that does not speak TLS', async () => {
    const outcome = await tlsProbe.run(tlsCheck(plain.port));
    expect(outcome).toMatchObject({ ok: false, errorClass: 'tls' });
  });

  it('fails with class timeout when the handshake does not finish', async () => {
    const silent = await startTcpServer(() => undefined);
    try {
      const started = performance.now();
      const outcome = await tlsProbe.run(tlsCheck(silent.port, { timeoutMs: 300 }));
      expect(outcome).toMatchObject({ ok: false, errorClass: 'timeout', message: expect.stringContaining('TLS handshake') });
      expect(performance.now() - started).toBeLessThan(1_500);
    } finally {
      await silent.close();
    }
  });
});
