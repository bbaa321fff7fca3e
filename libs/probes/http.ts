import { isIP } from 'node:net';
import { Client } from 'undici';
import { CHECK_DEFAULTS, type HttpCheckConfig } from '../config/index.js';
import type { ProbeTimings } from '../queues/index.js';
import { classifyError, ProbeError } from './classify.js';
import { addPhases, openConnection, tlsTarget, type ConnectionRecord, type TlsTarget } from './connect.js';
import {
  bodyAssertionFailure, certAssertionFailure, describeStatuses, headerAssertionFailure, needsBody, statusMatches,
  type ResponseHeaders,
} from './http-assertions.js';
import { failure, roundMs, startClock, success, type Clock, type Probe, type ProbeOutcome } from './types.js';

/** A body no assertion needs is still drained this far, so the server sees a normal exchange. */
const DRAIN_LIMIT_BYTES = 64 * 1024;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Headers that must not follow a redirect to another origin. */
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'host'];

interface Hop {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** SNI and certificate name (tls.serverName or the Host header); only on the check's own origin. */
  serverName?: string;
}

interface Response {
  statusCode: number;
  headers: ResponseHeaders;
  body: string;
  truncated: boolean;
}

/**
 * One request per hop on a connection of its own (so every phase is real and no pooled
 * socket hides an outage). Redirects are followed here, not by undici, so each hop is timed
 * and the whole chain is bounded by the check's one timeout.
 */
export const httpProbe: Probe<'http'> = {
  async run(given) {
    const check = withDefaults(given);
    const clock = startClock(check.timeoutMs);
    const timings: Omit<ProbeTimings, 'totalMs'> = {};
    const total = (): ProbeTimings => ({ ...timings, totalMs: clock.elapsed() });
    const signal = AbortSignal.timeout(check.timeoutMs);
    let tls: TlsTarget;
    try {
      tls = await tlsTarget({ verify: check.tls.verify, ...(check.tls.ca === undefined ? {} : { ca: check.tls.ca }) });
    } catch (err) {
      const { errorClass, message } = classifyError(err);
      return failure(errorClass, message, total());
    }
    const origin = new URL(check.url).origin;
    let hop = firstHop(check);
    for (let redirects = 0; ; redirects += 1) {
      const record: HopRecord = {};
      const hopTls: TlsTarget = { ...tls, alpn: ['http/1.1'], ...(hop.serverName === undefined ? {} : { serverName: hop.serverName }) };
      let response: Response;
      try {
        response = await exchange(hop, hopTls, record, clock, signal, (status, headers) => {
          if (redirectLocation(check, status, headers) !== undefined) return 'drain';
          return needsBody(check.expect) ? 'read' : 'drain';
        }, check.maxBodyBytes);
      } catch (err) {
        addTimings(timings, record);
        const { errorClass, message } = classifyError(err);
        const reason = errorClass === 'timeout' && !(err instanceof ProbeError) ? `no complete response within ${check.timeoutMs}ms` : message;
        const where = redirects > 0 ? ` (after ${redirects} redirect${redirects === 1 ? '' : 's'}, at ${hop.url.href})` : '';
        return failure(errorClass, `${reason}${where}`, total(), { certDaysLeft: record.tls?.certDaysLeft });
      }
      addTimings(timings, record);
      const location = redirectLocation(check, response.statusCode, response.headers);
      if (location === undefined) return assess(check, response, total(), record);
      const facts = { statusCode: response.statusCode, certDaysLeft: record.tls?.certDaysLeft };
      if (redirects >= check.followRedirects) {
        return failure('protocol', `more than ${check.followRedirects} redirect${check.followRedirects === 1 ? '' : 's'} (the last to ${location})`, total(), facts);
      }
      const next = redirectTarget(hop, response.statusCode, location, origin);
      if (typeof next === 'string') return failure('protocol', next, total(), facts);
      hop = next;
    }
  },
};

type HopRecord = ConnectionRecord & { firstByteMs?: number };

/** A check queued by a scheduler older than these keys lacks them; it gets what load.ts would give. */
function withDefaults(check: HttpCheckConfig): HttpCheckConfig {
  const partial = check as Partial<HttpCheckConfig> & HttpCheckConfig;
  return {
    ...check,
    followRedirects: partial.followRedirects ?? CHECK_DEFAULTS.followRedirects,
    maxBodyBytes: partial.maxBodyBytes ?? CHECK_DEFAULTS.maxBodyBytes,
    tls: partial.tls ?? { verify: true },
  };
}

/** Connection phases and time to first byte, summed over the hops of a redirect chain. */
function addTimings(timings: Omit<ProbeTimings, 'totalMs'>, record: HopRecord): void {
  addPhases(timings, record);
  if (record.firstByteMs !== undefined) timings.firstByteMs = roundMs((timings.firstByteMs ?? 0) + record.firstByteMs);
}

/** Where a response redirects to, when the check follows redirects and it is one. */
function redirectLocation(check: HttpCheckConfig, statusCode: number, headers: ResponseHeaders): string | undefined {
  return check.followRedirects > 0 && REDIRECTS.has(statusCode) ? header(headers, 'location') : undefined;
}

function firstHop(check: HttpCheckConfig): Hop {
  const headers: Record<string, string> = { 'user-agent': 'Vigil/0.1' };
  for (const [name, value] of Object.entries(check.headers)) {
    for (const existing of Object.keys(headers)) if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
    headers[name] = value;
  }
  // A Host header names a virtual host: unless tls.serverName says otherwise, the
  // certificate is asked for (SNI) and checked by that name too.
  const hostHeader = header(headers, 'host')?.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  const serverName = check.tls.serverName ?? (hostHeader !== undefined && isIP(hostHeader) === 0 ? hostHeader : undefined);
  return {
    url: new URL(check.url),
    method: check.method,
    headers,
    ...(check.body === undefined ? {} : { body: check.body }),
    ...(serverName === undefined ? {} : { serverName }),
  };
}

/** The next hop of a redirect, or why it cannot be followed. */
function redirectTarget(hop: Hop, statusCode: number, location: string, origin: string): Hop | string {
  let url: URL;
  try {
    url = new URL(location, hop.url);
  } catch {
    return `redirect to an invalid Location ${JSON.stringify(location)}`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `redirect to ${url.protocol} (${location}), only http and https are followed`;
  // 303, and 301/302 after a POST, continue as GET without a body (what browsers do); 307/308 repeat the request.
  const asGet = statusCode === 303 || ((statusCode === 301 || statusCode === 302) && hop.method === 'POST');
  const headers = { ...hop.headers };
  if (asGet) {
    for (const name of Object.keys(headers)) if (/^content-(type|length|encoding)$/i.test(name)) delete headers[name];
  }
  // Credentials, the Host header and the server name override belong to the check's own origin.
  const sameOrigin = url.origin === origin;
  if (!sameOrigin) {
    for (const name of Object.keys(headers)) if (CREDENTIAL_HEADERS.includes(name.toLowerCase())) delete headers[name];
  }
  const method = asGet && hop.method !== 'HEAD' ? 'GET' : hop.method;
  const body = asGet ? undefined : hop.body;
  return {
    url,
    method,
    headers,
    ...(body === undefined ? {} : { body }),
    ...(sameOrigin && hop.serverName !== undefined ? { serverName: hop.serverName } : {}),
  };
}

function header(headers: ResponseHeaders | Record<string, string>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/**
 * One request on one fresh connection. `bodyPlan` decides, once the headers are in, whether
 * the body is read (for assertions, up to maxBodyBytes) or drained.
 */
async function exchange(
  hop: Hop,
  tls: TlsTarget,
  record: HopRecord,
  clock: Clock,
  signal: AbortSignal,
  bodyPlan: (statusCode: number, headers: ResponseHeaders) => 'read' | 'drain',
  maxBodyBytes: number,
): Promise<Response> {
  const secure = hop.url.protocol === 'https:';
  const host = hop.url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(hop.url.port || (secure ? 443 : 80));
  const remaining = Math.max(1, Math.round(clock.remaining()));
  const client = new Client(hop.url.origin, {
    connect: (_options, callback) => {
      openConnection({ host, port, deadline: clock.deadline, ...(secure ? { tls } : {}) }, record)
        .then((socket) => callback(null, socket), (err: Error) => callback(err, null));
    },
    headersTimeout: remaining,
    bodyTimeout: remaining,
    pipelining: 1,
  });
  try {
    const response = await client.request({
      path: `${hop.url.pathname}${hop.url.search}`,
      method: hop.method as 'GET',
      headers: hop.headers,
      ...(hop.body === undefined ? {} : { body: hop.body }),
      signal,
    });
    if (record.readyAt !== undefined) record.firstByteMs = roundMs(performance.now() - record.readyAt);
    const headers = response.headers as ResponseHeaders;
    if (bodyPlan(response.statusCode, headers) === 'read') {
      const { body, truncated } = await readCapped(response.body, maxBodyBytes);
      return { statusCode: response.statusCode, headers, body, truncated };
    }
    await response.body.dump({ limit: DRAIN_LIMIT_BYTES, signal });
    return { statusCode: response.statusCode, headers, body: '', truncated: false };
  } finally {
    await client.destroy().catch(() => undefined);
  }
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy(): unknown }, limitBytes: number): Promise<{ body: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= limitBytes) {
      body.destroy();
      return { body: Buffer.concat(chunks).subarray(0, limitBytes).toString('utf8'), truncated: size > limitBytes };
    }
  }
  return { body: Buffer.concat(chunks).toString('utf8'), truncated: false };
}

function assess(check: HttpCheckConfig, response: Response | undefined, timings: ProbeTimings, record: ConnectionRecord): ProbeOutcome {
  const { expect } = check;
  const statusCode = response?.statusCode;
  const facts = { statusCode, certDaysLeft: record.tls?.certDaysLeft };
  if (response === undefined || statusCode === undefined) return failure('other', 'no response', timings, facts);
  if (!statusMatches(statusCode, expect.status)) {
    return failure('status', `expected status ${describeStatuses(expect.status)}, got ${statusCode}`, timings, facts);
  }
  if (expect.maxResponseTimeMs !== undefined && timings.totalMs > expect.maxResponseTimeMs) {
    return failure('assertion', `response took ${timings.totalMs}ms, more than maxResponseTime ${expect.maxResponseTimeMs}ms`, timings, facts);
  }
  const headerProblem = headerAssertionFailure(response.headers, expect);
  if (headerProblem !== undefined) return failure('assertion', headerProblem, timings, facts);
  const bodyProblem = bodyAssertionFailure(response.body, expect, response.truncated);
  if (bodyProblem !== undefined) return failure('assertion', bodyProblem, timings, facts);
  const certProblem = certAssertionFailure(record.tls?.certDaysLeft, record.tls?.validTo, expect);
  if (certProblem !== undefined) return failure(record.tls === undefined ? 'assertion' : 'tls', certProblem, timings, facts);
  return success(timings, facts);
}
