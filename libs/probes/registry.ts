import type { CheckConfig, CheckType } from '../config/index.js';
import { dnsProbe } from './dns.js';
import { httpProbe } from './http.js';
import { icmpProbe } from './icmp.js';
import { tcpProbe } from './tcp.js';
import { tlsProbe } from './tls.js';
import type { Probe, ProbeOutcome } from './types.js';

/** Adding a probe type: see docs/PROBES.md. A type without an entry here does not compile. */
export const PROBES = {
  http: httpProbe,
  tcp: tcpProbe,
  dns: dnsProbe,
  tls: tlsProbe,
  icmp: icmpProbe,
} satisfies { [T in CheckType]: Probe<T> };

export function runProbe(check: CheckConfig): Promise<ProbeOutcome> {
  const probe = PROBES[check.type] as Probe<typeof check.type>;
  return probe.run(check as never);
}
