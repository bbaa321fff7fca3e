/**
 * Every record type and response code against a real authoritative server on loopback
 * (test/support/dns-zone-server.ts). dns.test.ts covers the basics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DnsCheckConfig } from '../../../libs/config/index.js';
import { dnsProbe } from '../../../libs/probes/dns.js';
import { startZoneServer, type TestZoneServer } from '../../support/dns-zone-server.js';
import { dnsCheck } from './checks.js';

describe('dns probe: record types and response codes', () => {
  let server: TestZoneServer;
  beforeAll(async () => {
    server = await startZoneServer({
      'shop.test': {
        A: ['10.1.2.3'],
        AAAA: ['2001:db8::7'],
        MX: [{ priority: 10, exchange: 'mail.shop.test' }],
        TXT: ['v=spf1 -all'],
        NS: ['ns1.shop.test', 'ns2.shop.test'],
      },
      'www.shop.test': { CNAME: ['shop.test'] },
      '_imaps._tcp.shop.test': { SRV: [{ priority: 0, weight: 5, port: 993, target: 'mail.shop.test' }] },
      'broken.test': { rcode: 'SERVFAIL' },
      'private.test': { rcode: 'REFUSED' },
    });
  });
  afterAll(() => server.close());

  const run = (name: string, extra: Partial<DnsCheckConfig> = {}) => dnsProbe.run(dnsCheck(server.address, name, extra));

  it.each<[DnsCheckConfig['recordType'], string, string]>([
    ['A', 'shop.test', '10.1.2.3'],
    ['AAAA', 'shop.test', '2001:db8::7'],
    ['CNAME', 'www.shop.test', 'shop.test'],
    ['MX', 'shop.test', 'mail.shop.test'],
    ['TXT', 'shop.test', 'v=spf1 -all'],
    ['NS', 'shop.test', 'ns2.shop.test'],
    ['SRV', '_imaps._tcp.shop.test', 'mail.shop.test:993'],
  ])('%s %s has %s', async (recordType, name, answer) => {
    expect(await run(name, { recordType, expect: [answer] })).toMatchObject({ ok: true });
    expect(server.queries.at(-1)).toBe(`${recordType} ${name}`);
  });

  it.each<[DnsCheckConfig['recordType'], string, string, string]>([
    ['MX', 'shop.test', 'mx.other.test', 'mail.shop.test'],
    ['TXT', 'shop.test', 'v=spf1 include:x -all', 'v=spf1 -all'],
    ['SRV', '_imaps._tcp.shop.test', 'mail.shop.test:143', 'mail.shop.test:993'],
  ])('%s %s without %s fails with class assertion, listing %s', async (recordType, name, wanted, got) => {
    const outcome = await run(name, { recordType, expect: [wanted] });
    expect(outcome).toMatchObject({ ok: false, errorClass: 'assertion' });
    expect(outcome.message).toContain(got);
  });

  it('compares names without case or a trailing dot', async () => {
    expect(await run('shop.test', { recordType: 'MX', expect: ['Mail.Shop.Test.'] })).toMatchObject({ ok: true });
  });

  describe('rcode', () => {
    it('NOERROR without answers (no records of the type) fails with class dns by default', async () => {
      const outcome = await run('www.shop.test', { recordType: 'A' });
      expect(outcome).toMatchObject({ ok: false, errorClass: 'dns', message: expect.stringContaining('NOERROR without answers') });
    });

    it.each([
      ['nowhere.test', 'NXDOMAIN'],
      ['broken.test', 'SERVFAIL'],
      ['private.test', 'REFUSED'],
    ])('%s answers %s: class dns when NOERROR was expected', async (name, rcode) => {
      const outcome = await run(name);
      expect(outcome).toMatchObject({ ok: false, errorClass: 'dns', message: expect.stringContaining(`expected rcode NOERROR, got ${rcode}`) });
    });

    it.each([
      ['nowhere.test', 'NXDOMAIN'],
      ['broken.test', 'SERVFAIL'],
      ['private.test', 'REFUSED'],
    ] as const)('%s passes when %s is the expected rcode', async (name, rcode) => {
      expect(await run(name, { rcode })).toMatchObject({ ok: true });
    });

    it('a name that resolves where NXDOMAIN is expected fails with class assertion, showing the answers', async () => {
      const outcome = await run('shop.test', { rcode: 'NXDOMAIN' });
      expect(outcome).toMatchObject({ ok: false, errorClass: 'assertion', message: expect.stringContaining('got NOERROR with 10.1.2.3') });
    });

    it('NXDOMAIN where SERVFAIL is expected fails with class assertion', async () => {
      expect(await run('nowhere.test', { rcode: 'SERVFAIL' })).toMatchObject({ ok: false, errorClass: 'assertion' });
    });
  });
});
