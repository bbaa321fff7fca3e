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

export type CheckType = 'http' | 'tcp' | 'dns' | 'tls' | 'icmp';
export type CheckConfig = HttpCheckConfig | TcpCheckConfig | DnsCheckConfig | TlsCheckConfig | IcmpCheckConfig;

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

/** A JSON scalar, as YAML writes it. */
export type Scalar = string | number | boolean | null;

/**
 * Conditions on one value (a JSON path's value, a response header); every one given must
 * hold. `exists: false` alone asserts absence. The YAML shorthand `"$.status": UP` is `{ eq: "UP" }`.
 */
export interface ValueMatcher {
  /** Equal; numbers and strings compare by their text ("42" equals 42). */
  eq?: Scalar;
  ne?: Scalar;
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
  /** Substring of a string, or an element of a list. */
  contains?: Scalar;
  /** RE2 pattern searched in the value's text. */
  matches?: string;
  exists?: boolean;
}

/** How a TLS connection is made and verified. */
export interface TlsClientConfig {
  /** Verify the chain and the host name (default true). */
  verify: boolean;
  /** Extra trusted CA certificates: PEM text, or the absolute path of a PEM file on the probe-worker host. */
  ca?: string;
  /** SNI and the name the certificate must match, instead of the URL's or check's host. */
  serverName?: string;
}

export interface HttpExpect {
  /** Exact codes and classes such as "2xx"; default ["2xx"]. */
  status: Array<number | string>;
  maxResponseTimeMs?: number;
  bodyContains?: string;
  /** RE2 pattern. */
  bodyMatches?: string;
  /** JSONPath-style path ("$.status", "$.items[0].id") to the conditions on its value. */
  json?: Record<string, ValueMatcher>;
  /** Response header name (lowercase) to the conditions on its value. */
  headers?: Record<string, ValueMatcher>;
  certExpiresAfterMs?: number;
}

export interface HttpCheckConfig extends CheckCommon {
  type: 'http';
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** Redirects followed, each on a connection of its own; 0 = the 3xx is the response. Default 5. */
  followRedirects: number;
  /** Response bytes read at most, when an assertion needs the body. Default 1 MiB. */
  maxBodyBytes: number;
  tls: TlsClientConfig;
  expect: HttpExpect;
}

export interface TcpCheckConfig extends CheckCommon {
  type: 'tcp';
  host: string;
  port: number;
  /** Written once connected (escapes already decoded). */
  send?: string;
  /** Must appear in what the server sends back (banner or reply), read up to 64 KiB. */
  expect?: string;
  /** Absent: plain TCP. */
  tls?: TlsClientConfig;
}

export type DnsRecordType = 'A' | 'AAAA' | 'CNAME' | 'MX' | 'TXT' | 'NS' | 'SRV';
export type DnsRcode = 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED' | 'NOTIMP' | 'FORMERR';

export interface DnsCheckConfig extends CheckCommon {
  type: 'dns';
  name: string;
  recordType: DnsRecordType;
  /** Resolver address ("127.0.0.1:53"); the system resolver when absent. */
  server?: string;
  /** Response code the resolver must give; default NOERROR (with at least one answer). */
  rcode: DnsRcode;
  /** Answers that must be present. */
  expect: string[];
}

export interface TlsCheckConfig extends CheckCommon {
  type: 'tls';
  host: string;
  port: number;
  serverName?: string;
  /** Verify the chain and the host name (default true); the expiry is checked either way. */
  verify: boolean;
  ca?: string;
  expect: { certExpiresAfterMs?: number };
}

export interface IcmpCheckConfig extends CheckCommon {
  type: 'icmp';
  host: string;
  /** Echo requests per probe; default 3. */
  count: number;
  /** Without maxLossPercent, one reply is enough. */
  expect: { maxLossPercent?: number; maxResponseTimeMs?: number };
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
