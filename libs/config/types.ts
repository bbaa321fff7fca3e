/**
 * The types services work with, every one derived from the schema that validates it (the
 * modules named below), so a key added to a schema is in its type too.
 */
export type { Config } from './schema.js';
export type { CheckConfig, CheckType, ProbedCheckConfig, ProbedCheckType } from './checks.js';
export type { HeartbeatCheckConfig } from './check-heartbeat.js';
export type { CheckCommon } from './check-common.js';
export type { HttpCheckConfig, HttpExpect } from './check-http.js';
export type { TcpCheckConfig } from './check-tcp.js';
export type { DnsCheckConfig, DnsRcode, DnsRecordType } from './check-dns.js';
export type { TlsCheckConfig } from './check-tls.js';
export type { IcmpCheckConfig } from './check-icmp.js';
export type { TlsClientConfig } from './tls-client.js';
export type { Scalar, ValueMatcher } from './matchers.js';
export type { WatchConfig, WatchEvent } from './watches.js';
export type { ChannelConfig, WebhookChannelConfig } from './channels.js';
export type { DefaultRoute, EscalationStep, RouteConfig } from './routes.js';
export type { InhibitRule } from './inhibit.js';
export type { ApiConfig, ApiScope, ApiTokenConfig } from './api.js';
