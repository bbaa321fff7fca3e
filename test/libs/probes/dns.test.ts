import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DnsCheckConfig } from '../../../libs/config/index.js';
import { dnsProbe } from '../../../libs/probes/dns.js';
import { startZoneServer, type TestZoneServer } from '../../support/dns-zone-server.js';

describe('dns probe', () => {
  let server: TestZoneServer;
  beforeAll(async () => {
    server = await startZoneServer({ 'shop.test': { A: ['10.1.2.3', '10.1.2.4'] } });
  });
  afterAll(() => server.close());

  const dnsCheck = (name: string, expect: string[] = []): DnsCheckConfig => ({
    id: 'resolver', type: 'dns', name, recordType: 'A', server: server.address, rcode: 'NOERROR', expect,
    intervalMs: 10_000, timeoutMs: 1_000, failureThreshold: 1, successThreshold: 1, labels: {}, regions: ['default'],
  });

  it('is up when the name resolves and the expected answers are present', async () => {
    expect(await dnsProbe.run(dnsCheck('shop.test', ['10.1.2.4']))).toMatchObject({ ok: true });
  });

  it('is down with class assertion when an expected answer is missing, listing what it got', async () => {
    const outcome = await dnsProbe.run(dnsCheck('shop.test', ['10.9.9.9']));
    expect(outcome).toMatchObject({ ok: false, errorClass: 'assertion' });
    expect(outcome.message).toContain('10.1.2.3, 10.1.2.4');
  });

  it('is down with class dns when the name does not exist', async () => {
    expect(await dnsProbe.run(dnsCheck('nowhere.test'))).toMatchObject({ ok: false, errorClass: 'dns' });
  });

  it('is down with class timeout when the resolver does not answer', async () => {
    // A real UDP socket that takes every query and never replies (no port-unreachable either).
    const silent = createSocket('udp4');
    let queries = 0;
    silent.on('message', () => { queries += 1; });
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    try {
      const outcome = await dnsProbe.run({ ...dnsCheck('shop.test'), server: `127.0.0.1:${silent.address().port}`, timeoutMs: 300 });
      expect(outcome).toMatchObject({ ok: false, errorClass: 'timeout' });
      expect(queries).toBeGreaterThan(0);
    } finally {
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
