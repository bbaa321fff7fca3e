/**
 * The validated, defaulted configuration every service works with.
 * Durations are milliseconds here (`...Ms`); the YAML file spells them "30s".
 */
export interface Config {
  checks: CheckConfig[];
  watches: WatchConfig[];
  channels: ChannelConfig[];
  routes: RouteConfig[];
}

export type CheckType = 'http' | 'tcp' | 'dns';
export type CheckConfig = HttpCheckConfig | TcpCheckConfig | DnsCheckConfig;

export interface CheckCommon {
  id: string;
  description?: string;
  intervalMs: number;
  timeoutMs: number;
  /** Probe at this pace instead of intervalMs while the check is failing. */
  retryIntervalMs?: number;
  failureThreshold: number;
  successThreshold: number;
  labels: Record<string, string>;
  regions: string[];
}

export interface HttpExpect {
  /** Exact codes and classes such as "2xx"; default ["2xx"]. */
  status: Array<number | string>;
  maxResponseTimeMs?: number;
  bodyContains?: string;
  bodyMatches?: string;
  /** JSONPath-style path ("$.status") to the expected value. */
  json?: Record<string, string | number | boolean | null>;
  certExpiresAfterMs?: number;
}

export interface HttpCheckConfig extends CheckCommon {
  type: 'http';
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  expect: HttpExpect;
}

export interface TcpCheckConfig extends CheckCommon {
  type: 'tcp';
  host: string;
  port: number;
}

export type DnsRecordType = 'A' | 'AAAA' | 'CNAME' | 'MX' | 'TXT' | 'NS' | 'SRV';

export interface DnsCheckConfig extends CheckCommon {
  type: 'dns';
  name: string;
  recordType: DnsRecordType;
  /** Resolver address ("127.0.0.1:53"); the system resolver when absent. */
  server?: string;
  /** Answers that must be present. */
  expect: string[];
}

export type WatchEvent = 'add' | 'change' | 'unlink' | 'addDir' | 'unlinkDir';

export interface WatchConfig {
  id: string;
  paths: string[];
  recursive: boolean;
  include: string[];
  exclude: string[];
  /** Appended lines matching this pattern count as hits. */
  match?: string;
  threshold: { count: number; withinMs: number };
  on: WatchEvent[];
  maxAgeMs?: number;
  labels: Record<string, string>;
}

export type ChannelConfig = WebhookChannelConfig;

export interface WebhookChannelConfig {
  id: string;
  type: 'webhook';
  url: string;
  headers: Record<string, string>;
  timeoutMs: number;
}

export interface RouteConfig {
  /** Label equality matchers; an empty set matches every alert. */
  match: Record<string, string>;
  channels: string[];
  groupBy: string[];
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
  sendResolved: boolean;
  /** Keep looking at later routes after this one matched. */
  continue: boolean;
}
