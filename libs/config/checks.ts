/**
 * The check types: one module each (check-<type>.ts) with its schema and its rules between
 * fields. Adding a type means a module, and an entry in the union and in CHECK_RULES.
 */
import { z } from 'zod';
import { applyCheckDefaults, type CheckDefaults, type WithCheckDefaults } from './check-common.js';
import { dnsCheck, dnsCheckProblems } from './check-dns.js';
import { externalCheck } from './check-external.js';
import { HEARTBEAT_REGION, heartbeatCheck, heartbeatCheckProblems } from './check-heartbeat.js';
import { httpCheck, httpCheckProblems } from './check-http.js';
import { icmpCheck, icmpCheckProblems } from './check-icmp.js';
import { tcpCheck } from './check-tcp.js';
import { tlsCheck } from './check-tls.js';
import type { ConfigProblem } from './errors.js';
import type { Same } from './fields.js';
import { withCaPath } from './tls-client.js';

export const CHECK_TYPES = ['http', 'tcp', 'dns', 'tls', 'icmp', 'heartbeat', 'external'] as const;

export const check = z.discriminatedUnion('type', [httpCheck, tcpCheck, dnsCheck, tlsCheck, icmpCheck, heartbeatCheck, externalCheck], {
  error: () => `expected one of ${CHECK_TYPES.map((t) => `"${t}"`).join(', ')}`,
});

type ParsedCheck = z.output<typeof check>;
export type CheckConfig = WithCheckDefaults<ParsedCheck>;
export type CheckType = CheckConfig['type'];
/** The passive types: nothing probes them (a heartbeat is pinged, an external check's results are pushed). */
export const PASSIVE_CHECK_TYPES = ['heartbeat', 'external'] as const;
/** The types a probe runs: every type but the passive ones. */
export type ProbedCheckType = Exclude<CheckType, (typeof PASSIVE_CHECK_TYPES)[number]>;
export type ProbedCheckConfig = Extract<CheckConfig, { type: ProbedCheckType }>;

/** Whether the check's results are `probe` points: probed ones, and external ones whose results are pushed; not heartbeats. */
export function hasProbeResults(check: CheckConfig): boolean {
  return check.type !== 'heartbeat';
}

export function isProbed(check: CheckConfig): check is ProbedCheckConfig {
  return !(PASSIVE_CHECK_TYPES as readonly string[]).includes(check.type);
}

type CheckOf<T extends CheckType> = Extract<CheckConfig, { type: T }>;

/** Rules between fields of one check that the schema cannot express field by field, checked once defaults are in. */
const CHECK_RULES: { [T in CheckType]: (check: CheckOf<T>, at: string) => ConfigProblem[] } = {
  http: httpCheckProblems,
  tcp: () => [],
  dns: dnsCheckProblems,
  tls: () => [],
  icmp: icmpCheckProblems,
  heartbeat: heartbeatCheckProblems,
  external: () => [],
};

/** CHECK_TYPES names exactly the types of the union, or this does not compile. */
const typesListed: Same<CheckType, (typeof CHECK_TYPES)[number]> = true;
void typesListed;

export function checkTypeProblems(config: CheckConfig, at: string): ConfigProblem[] {
  return (CHECK_RULES[config.type] as (check: CheckConfig, at: string) => ConfigProblem[])(config, at);
}

/** A parsed check with the defaults section applied and relative CA file paths resolved against `baseDir`. */
export function resolveCheck(parsed: ParsedCheck, defaults: CheckDefaults, baseDir: string): CheckConfig {
  const config = applyCheckDefaults(parsed, defaults);
  switch (config.type) {
    case 'http':
      return { ...config, tls: withCaPath(config.tls, baseDir) };
    case 'tcp':
      return config.tls === undefined ? config : { ...config, tls: withCaPath(config.tls, baseDir) };
    case 'tls':
      return withCaPath(config, baseDir);
    case 'dns':
    case 'icmp':
    case 'external':
      return config;
    // Nothing probes a heartbeat: its one subject is "<check>@heartbeat", whatever the defaults' regions.
    case 'heartbeat':
      return { ...config, regions: [HEARTBEAT_REGION] };
  }
}
