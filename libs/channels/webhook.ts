import { request } from 'undici';
import type { WebhookChannelConfig } from '../config/index.js';
import { buildAlertmanagerMessage } from './alertmanager-message.js';
import { ChannelPermanentError, ChannelRetryableError, outcomeOfStatus } from './errors.js';
import type { Channel } from './types.js';

export const USER_AGENT = 'Vigil/0.1';

/** Enough of a refusal's body to explain it in a log line or a failed job. */
const REASON_MAX_BYTES = 512;

/**
 * POSTs the notification as an Alertmanager webhook message. Errors name the channel and
 * status but never the URL: webhook URLs often carry a token.
 */
export const webhook: Channel<WebhookChannelConfig> = {
  type: 'webhook',

  async send(config, notification, ctx) {
    const body = JSON.stringify(buildAlertmanagerMessage(notification));
    // headersTimeout/bodyTimeout bound each phase; the overall deadline also covers connecting.
    const deadline = AbortSignal.timeout(config.timeoutMs);
    const signal = ctx.signal ? AbortSignal.any([ctx.signal, deadline]) : deadline;

    let response: Awaited<ReturnType<typeof request>>;
    try {
      response = await request(config.url, {
        method: 'POST',
        headers: headersFor(config),
        body,
        headersTimeout: config.timeoutMs,
        bodyTimeout: config.timeoutMs,
        signal,
      });
    } catch (err) {
      const reason = deadline.aborted || isTimeout(err) ? `no answer within ${config.timeoutMs}ms` : describeNetworkError(err);
      throw new ChannelRetryableError(config.id, `webhook channel "${config.id}": ${reason}`, undefined, { cause: err });
    }

    const { statusCode } = response;
    const outcome = outcomeOfStatus(statusCode);
    if (outcome === 'delivered') {
      // An unread body keeps the connection busy until garbage collection; drain it.
      await response.body.dump().catch(() => undefined);
      ctx.log.debug({ channelId: config.id, status: statusCode }, 'webhook accepted');
      return;
    }
    const reason = await readReason(response.body);
    const message = `webhook channel "${config.id}" answered HTTP ${statusCode}${reason ? `: ${reason}` : ''}`;
    if (outcome === 'retry') throw new ChannelRetryableError(config.id, message, statusCode);
    throw new ChannelPermanentError(config.id, `${message} (not retried: sending again would be refused the same way)`, statusCode);
  },
};

function headersFor(config: WebhookChannelConfig): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': USER_AGENT };
  // Lower-cased so a configured "Content-Type" is replaced by ours instead of sent beside it.
  for (const [name, value] of Object.entries(config.headers)) headers[name.toLowerCase()] = value;
  headers['content-type'] = 'application/json';
  return headers;
}

async function readReason(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= REASON_MAX_BYTES) break; // leaving the loop destroys the rest of the body
    }
  } catch {
    // The status already says what went wrong; a broken body only loses the detail.
  }
  return Buffer.concat(chunks).subarray(0, REASON_MAX_BYTES).toString('utf8').replace(/\s+/g, ' ').trim();
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

function isTimeout(err: unknown): boolean {
  return err instanceof Error && TIMEOUT_CODES.has(String((err as { code?: unknown }).code));
}

function describeNetworkError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  const cause = err.cause instanceof Error ? err.cause.message : undefined;
  const text = cause && !err.message.includes(cause) ? `${err.message} (${cause})` : err.message;
  return typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
}
