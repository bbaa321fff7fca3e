import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpProbe } from '../../../libs/probes/http.js';
import { daysFromNow, makeCaAndServer, makeCertificate, type TestCertificate } from '../../support/tls-certs.js';
import { startHttpsServer } from '../../support/tls-servers.js';
import { startHttpServer, type TestServer } from '../../support/http-servers.js';
import { httpCheck } from './checks.js';

type Https = Awaited<ReturnType<typeof startHttpsServer>>;
const DAY_MS = 86_400_000;
const ok = (_req: unknown, res: import('node:http').ServerResponse) => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');

describe('http probe over TLS', () => {
  let ca: TestCertificate;
  let selfSigned: Https;
  let privateCa: Https;
  let expiring: Https;
  let expired: Https;
  let virtualHosts: Https;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-https-'));
    const signed = await makeCaAndServer({ names: ['localhost'], notAfter: daysFromNow(90) });
    ca = signed.ca;
    writeFileSync(join(dir, 'ca.pem'), ca.cert);
    const soon = await makeCertificate({ issuer: ca, notAfter: daysFromNow(5) });
    const past = await makeCertificate({ issuer: ca, notBefore: daysFromNow(-30), notAfter: daysFromNow(-2) });
    const shop = await makeCertificate({ issuer: ca, names: ['shop.test'], ips: [] });
    const fallback = await makeCertificate({ issuer: ca, names: ['default.test'], ips: [] });
    [selfSigned, privateCa, expiring, expired, virtualHosts] = await Promise.all([
      makeCertificate().then((cert) => startHttpsServer(cert, ok)),
      startHttpsServer(signed.server, ok),
      startHttpsServer(soon, ok),
      startHttpsServer(past, ok),
      startHttpsServer(fallback, ok, { 'shop.test': shop }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([selfSigned, privateCa, expiring, expired, virtualHosts].map((server) => server?.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  describe('verification', () => {
    it('refuses a self-signed certificate with class tls, still reporting its days left', async () => {
      const outcome = await httpProbe.run(httpCheck(`${selfSigned.url}/`));
      expect(outcome).toMatchObject({ ok: false, errorClass: 'tls', message: expect.stringContaining('self-signed') });
      expect(outcome.certDaysLeft).toBeGreaterThan(80);
    });

    it('accepts it with verify: false', async () => {
      const outcome = await httpProbe.run(httpCheck(`${selfSigned.url}/`, {}, { tls: { verify: false } }));
      expect(outcome).toMatchObject({ ok: true, statusCode: 200 });
    });

    it('accepts a certificate from a private CA given as PEM text', async () => {
      const outcome = await httpProbe.run(httpCheck(`${privateCa.url}/`, {}, { tls: { verify: true, ca: ca.cert } }));
      expect(outcome).toMatchObject({ ok: true, statusCode: 200 });
    });

    it('accepts a certificate from a private CA given as a PEM file', async () => {
      const outcome = await httpProbe.run(httpCheck(`${privateCa.url}/`, {}, { tls: { verify: true, ca: join(dir, 'ca.pem') } }));
      expect(outcome).toMatchObject({ ok: true });
    });

    it('fails with a clear message when the CA file is missing on this worker', async () => {
      const outcome = await httpProbe.run(httpCheck(`${privateCa.url}/`, {}, { tls: { verify: true, ca: join(dir, 'missing.pem') } }));
      expect(outcome).toMatchObject({ ok: false, errorClass: 'other', message: expect.stringContaining('cannot read the CA file') });
    });

    it('refuses a private CA certificate without that CA', async () => {
      expect(await httpProbe.run(httpCheck(`${privateCa.url}/`))).toMatchObject({ ok: false, errorClass: 'tls' });
    });

    it('refuses a certificate for another name with class tls', async () => {
      const outcome = await httpProbe.run(httpCheck(`${virtualHosts.url}/`, {}, { tls: { verify: true, ca: ca.cert } }));
      expect(outcome).toMatchObject({ ok: false, errorClass: 'tls', message: expect.stringContaining('does not match 127.0.0.1') });
    });

    it('refuses an expired certificate with class tls', async () => {
      const outcome = await httpProbe.run(httpCheck(`${expired.url}/`, {}, { tls: { verify: true, ca: ca.cert } }));
      expect(outcome).toMatchObject({ ok: false, errorClass: 'tls', message: expect.stringContaining('expired') });
      expect(outcome.certDaysLeft).toBeLessThan(-1);
    });
  });

  describe('SNI', () => {
    it('asks for tls.serverName and checks the certificate against it', async () => {
      const outcome = await httpProbe.run(httpCheck(`${virtualHosts.url}/`, {}, { tls: { verify: true, ca: ca.cert, serverName: 'shop.test' } }));
      expect(outcome).toMatchObject({ ok: true });
      expect(virtualHosts.serverNames.at(-1)).toBe('shop.test');
    });

    it('takes the server name from a Host header when tls.serverName is not set', async () => {
      const outcome = await httpProbe.run(httpCheck(`${virtualHosts.url}/`, {}, { headers: { Host: 'shop.test' }, tls: { verify: true, ca: ca.cert } }));
      expect(outcome).toMatchObject({ ok: true });
      expect(virtualHosts.serverNames.at(-1)).toBe('shop.test');
    });

    it('sends no SNI for an IP address', async () => {
      await httpProbe.run(httpCheck(`${virtualHosts.url}/`, {}, { tls: { verify: false } }));
      expect(virtualHosts.serverNames.at(-1)).toBe(false);
    });
  });

  describe('certExpiresAfter and certDaysLeft', () => {
    it('reports the days left on every TLS probe', async () => {
      const outcome = await httpProbe.run(httpCheck(`${privateCa.url}/`, {}, { tls: { verify: true, ca: ca.cert } }));
      expect(outcome.certDaysLeft).toBeGreaterThan(89);
      expect(outcome.certDaysLeft).toBeLessThanOrEqual(90);
    });

    it('passes when the certificate lasts longer than certExpiresAfter', async () => {
      const outcome = await httpProbe.run(httpCheck(`${privateCa.url}/`, { certExpiresAfterMs: 30 * DAY_MS }, { tls: { verify: true, ca: ca.cert } }));
      expect(outcome).toMatchObject({ ok: true });
    });

    it('fails with class tls when it expires sooner, saying when', async () => {
      const outcome = await httpProbe.run(httpCheck(`${expiring.url}/`, { certExpiresAfterMs: 14 * DAY_MS }, { tls: { verify: true, ca: ca.cert } }));
      expect(outcome).toMatchObject({ ok: false, errorClass: 'tls', statusCode: 200, message: expect.stringMatching(/expires in 4\.\d+ days .*less than certExpiresAfter 14d/) });
      expect(outcome.certDaysLeft).toBeGreaterThan(4);
      expect(outcome.certDaysLeft).toBeLessThan(5);
    });

    it('fails an expired certificate against certExpiresAfter even without verification', async () => {
      const outcome = await httpProbe.run(httpCheck(`${expired.url}/`, { certExpiresAfterMs: DAY_MS }, { tls: { verify: false } }));
      expect(outcome).toMatchObject({ ok: false, errorClass: 'tls', message: expect.stringContaining('expired') });
    });

    it('reports TLS handshake time besides connect time', async () => {
      const outcome = await httpProbe.run(httpCheck(`${privateCa.url}/`, {}, { tls: { verify: true, ca: ca.cert } }));
      expect(outcome.timings).toEqual({ connectMs: expect.any(Number), tlsMs: expect.any(Number), firstByteMs: expect.any(Number), totalMs: expect.any(Number) });
    });
  });

  describe('redirects between http and https', () => {
    let plain: TestServer;
    beforeAll(async () => {
      plain = await startHttpServer((_req, res) => res.writeHead(301, { location: `${privateCa.url}/secure` }).end());
    });
    afterAll(() => plain.close());

    it('follow to https and check the certificate of the final hop', async () => {
      const outcome = await httpProbe.run(httpCheck(`${plain.url}/`, { certExpiresAfterMs: 30 * DAY_MS }, { tls: { verify: true, ca: ca.cert } }));
      expect(outcome).toMatchObject({ ok: true, statusCode: 200 });
      expect(outcome.certDaysLeft).toBeGreaterThan(89);
      expect(outcome.timings.tlsMs).toBeDefined();
    });

    it('fail certExpiresAfter with class assertion when the response came over plain http', async () => {
      const outcome = await httpProbe.run(httpCheck(`${plain.url}/`, { status: [301], certExpiresAfterMs: DAY_MS }, { followRedirects: 0 }));
      expect(outcome).toMatchObject({ ok: false, errorClass: 'assertion', message: expect.stringContaining('did not come over TLS') });
    });
  });
});
