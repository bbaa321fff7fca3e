import type { DnsCheckConfig, HttpCheckConfig, HttpExpect, IcmpCheckConfig, TcpCheckConfig, TlsCheckConfig } from '../../../libs/config/index.js';

/** Normalized checks as load.ts produces them, with the defaults a test does not care about. */
const COMMON = { intervalMs: 10_000, timeoutMs: 1_000, failureThreshold: 1, successThreshold: 1, labels: {}, regions: ['default'] };

export function httpCheck(url: string, expect: Partial<HttpExpect> = {}, extra: Partial<HttpCheckConfig> = {}): HttpCheckConfig {
  return {
    ...COMMON, id: 'target', type: 'http', url, method: 'GET', headers: {}, followRedirects: 5, maxBodyBytes: 1024 * 1024,
    tls: { verify: true }, expect: { status: ['2xx'], ...expect }, ...extra,
  };
}

export function tcpCheck(port: number, extra: Partial<TcpCheckConfig> = {}): TcpCheckConfig {
  return { ...COMMON, id: 'db', type: 'tcp', host: '127.0.0.1', port, ...extra };
}

export function dnsCheck(server: string, name: string, extra: Partial<DnsCheckConfig> = {}): DnsCheckConfig {
  return { ...COMMON, id: 'resolver', type: 'dns', name, recordType: 'A', server, rcode: 'NOERROR', expect: [], ...extra };
}

export function tlsCheck(port: number, extra: Partial<TlsCheckConfig> = {}): TlsCheckConfig {
  return { ...COMMON, id: 'smtps', type: 'tls', host: '127.0.0.1', port, verify: true, expect: {}, ...extra };
}

export function icmpCheck(host: string, extra: Partial<IcmpCheckConfig> = {}): IcmpCheckConfig {
  return { ...COMMON, id: 'gateway', type: 'icmp', host, count: 3, timeoutMs: 3_000, expect: {}, ...extra };
}
