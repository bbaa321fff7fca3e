import type { ProbedCheckConfig, ProbedCheckType } from '../config/index.js';
import { dnsProbe } from './dns.js';
import { httpProbe } from './http.js';
import { icmpProbe } from './icmp.js';
import { tcpProbe } from './tcp.js';
import { tlsProbe } from './tls.js';
import type { Probe, ProbeOutcome } from './types.js';

/** Adding a probe type: see docs/PROBES.md. A type without an entry here does not compile; a heartbeat has no probe (it is pinged). */
export const PROBES = {
  http: httpProbe,
  tcp: tcpProbe,
  dns: dnsProbe,
  tls: tlsProbe,
  icmp: icmpProbe,
} satisfies { [T in ProbedCheckType]: Probe<T> };

export function runProbe(check: ProbedCheckConfig): Promise<ProbeOutcome> {
  const probe = PROBES[check.type] as Probe<typeof check.type>;
  return probe.run(check as never);
}
