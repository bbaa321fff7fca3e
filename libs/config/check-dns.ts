import { isIP } from 'node:net';
import { z } from 'zod';
import { checkSchema, type WithCheckDefaults } from './check-common.js';
import type { ConfigProblem } from './errors.js';
import { show } from './fields.js';

/** "1.1.1.1", "127.0.0.1:5353", "::1" or "[::1]:5353": node's resolver takes addresses only. */
const resolverAddress = z.string().refine((value) => {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  const hostPort = /^([^:]+):(\d+)$/.exec(value);
  const [host, portText] = bracketed ? [bracketed[1]!, bracketed[2]] : hostPort ? [hostPort[1]!, hostPort[2]] : [value, undefined];
  const portOk = portText === undefined || (Number(portText) >= 1 && Number(portText) <= 65535);
  return isIP(host) !== 0 && portOk;
}, { error: (issue) => `expected a resolver IP address like "1.1.1.1", "127.0.0.1:5353" or "[::1]:53", got ${show(issue.input)}` });

export const DNS_RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SRV'] as const;
export const DNS_RCODES = ['NOERROR', 'NXDOMAIN', 'SERVFAIL', 'REFUSED', 'NOTIMP', 'FORMERR'] as const;
export type DnsRecordType = (typeof DNS_RECORD_TYPES)[number];
export type DnsRcode = (typeof DNS_RCODES)[number];

export const dnsCheck = checkSchema({
  type: z.literal('dns'),
  name: z.string().min(1),
  recordType: z.enum(DNS_RECORD_TYPES).default('A'),
  /** Resolver address ("127.0.0.1:53"); the system resolver when absent. */
  server: resolverAddress.optional(),
  /** Response code the resolver must give; NOERROR also needs at least one answer. */
  rcode: z.enum(DNS_RCODES).default('NOERROR'),
  /** Answers that must be present. */
  expect: z.array(z.string()).default(() => []),
});

export type DnsCheckConfig = WithCheckDefaults<z.output<typeof dnsCheck>>;

export function dnsCheckProblems(check: DnsCheckConfig, at: string): ConfigProblem[] {
  if (check.rcode !== 'NOERROR' && check.expect.length > 0) {
    return [{ path: `${at}.expect`, message: `answers cannot be expected together with rcode ${check.rcode} (only NOERROR carries answers)` }];
  }
  return [];
}
