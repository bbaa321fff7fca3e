import type { TLSSocket } from 'node:tls';
import { buildConnector, Client } from 'undici';
import type { HttpCheckConfig } from '../config/index.js';
import { bodyAssertionFailure, describeStatuses, needsBody, statusMatches } from './http-assertions.js';
import { classifyError } from './classify.js';
import { failure, type Probe, type ProbeOutcome } from './types.js';

/** Bodies are read only as far as assertions need, and never past this. */
export const BODY_READ_LIMIT_BYTES = 1024 * 1024;
const DAY_MS = 86_400_000;

/**
 * One request on a connection of its own (so connect time is real and no pooled socket
 * hides an outage), bounded by the check's timeout from connect to the last byte read.
 */
export const httpProbe: Probe<'http'> = {
  async run(check) {
    const startedAt = performance.now();
    const elapsed = () => Math.round(performance.now() - startedAt);
    const url = new URL(check.url);
    let connectMs: number | undefined;
    let certValidTo: number | undefined;
    const connector = buildConnector({ timeout: check.timeoutMs });
    const client = new Client(url.origin, {
      connect: (options, callback) => {
        connector(options, (err, socket) => {
          connectMs = elapsed();
          const cert = socket && 'getPeerCertificate' in socket ? (socket as TLSSocket).getPeerCertificate() : undefined;
          if (cert?.valid_to) certValidTo = Date.parse(cert.valid_to);
          if (err) callback(err, null);
          else callback(null, socket!);
        });
      },
      headersTimeout: check.timeoutMs,
      bodyTimeout: check.timeoutMs,
      pipelining: 1,
    });
    const signal = AbortSignal.timeout(check.timeoutMs);
    try {
      const response = await client.request({
        path: `${url.pathname}${url.search}`,
        method: check.method as 'GET',
        headers: { 'user-agent': 'Vigil/0.1', ...check.headers },
        ...(check.body === undefined ? {} : { body: check.body }),
        signal,
      });
      const firstByteMs = elapsed();
      const { statusCode } = response;
      let body = '';
      let truncated = false;
      if (needsBody(check.expect)) ({ body, truncated } = await readCapped(response.body, BODY_READ_LIMIT_BYTES));
      else await response.body.dump({ limit: 64 * 1024, signal });
      const timings = { ...(connectMs === undefined ? {} : { connectMs }), firstByteMs, totalMs: elapsed() };
      return assess(check, statusCode, body, truncated, timings, certValidTo);
    } catch (err) {
      const { errorClass, message } = classifyError(err);
      const reason = errorClass === 'timeout' ? `no complete response within ${check.timeoutMs}ms` : message;
      return failure(errorClass, reason, { ...(connectMs === undefined ? {} : { connectMs }), totalMs: elapsed() });
    } finally {
      await client.destroy().catch(() => undefined);
    }
  },
};

async function readCapped(body: AsyncIterable<Buffer> & { destroy(): unknown }, limitBytes: number): Promise<{ body: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= limitBytes) {
      body.destroy();
      return { body: Buffer.concat(chunks).subarray(0, limitBytes).toString('utf8'), truncated: true };
    }
  }
  return { body: Buffer.concat(chunks).toString('utf8'), truncated: false };
}

function assess(check: HttpCheckConfig, statusCode: number, body: string, truncated: boolean, timings: ProbeOutcome['timings'], certValidTo?: number): ProbeOutcome {
  const { expect } = check;
  if (!statusMatches(statusCode, expect.status)) {
    return failure('status', `expected status ${describeStatuses(expect.status)}, got ${statusCode}`, timings, statusCode);
  }
  if (expect.maxResponseTimeMs !== undefined && timings.totalMs > expect.maxResponseTimeMs) {
    return failure('assertion', `response took ${timings.totalMs}ms, more than maxResponseTime ${expect.maxResponseTimeMs}ms`, timings, statusCode);
  }
  const bodyProblem = bodyAssertionFailure(body, expect, truncated);
  if (bodyProblem) return failure('assertion', bodyProblem, timings, statusCode);
  if (expect.certExpiresAfterMs !== undefined && certValidTo !== undefined) {
    const leftMs = certValidTo - Date.now();
    if (leftMs < expect.certExpiresAfterMs) {
      return failure('tls', `certificate expires in ${Math.floor(leftMs / DAY_MS)} days, less than ${Math.floor(expect.certExpiresAfterMs / DAY_MS)}`, timings, statusCode);
    }
  }
  return { ok: true, statusCode, timings };
}
