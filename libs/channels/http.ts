import { request } from 'undici';
import { ChannelPermanentError, ChannelRetryableError, outcomeOfStatus, parseRetryAfter, type ReceiverAnswer } from './errors.js';
import type { ChannelBase, SendContext } from './types.js';

export const USER_AGENT = 'Vigil/0.1';

/** Enough of a receiver's answer to explain it in the delivery log, a log line or a failed job. */
export const ANSWER_MAX_BYTES = 512;

export interface HttpSend {
  /** The channel, for errors: `slack channel "ops"`. */
  channelId: string;
  what: string;
  url: string;
  method?: 'POST' | 'PUT';
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

/**
 * Sends one HTTP request for a channel and says what the receiver answered. 2xx resolves with
 * the answer; 408, 429 and 5xx and network failures throw ChannelRetryableError (with the
 * receiver's Retry-After, if any); anything else throws ChannelPermanentError. Errors name the
 * channel and status, never the URL: channel URLs often carry a token.
 */
export async function sendHttp(send: HttpSend, ctx: SendContext): Promise<ReceiverAnswer> {
  const { channelId, what, timeoutMs } = send;
  // headersTimeout/bodyTimeout bound each phase; the overall deadline also covers connecting.
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = ctx.signal ? AbortSignal.any([ctx.signal, deadline]) : deadline;

  let response: Awaited<ReturnType<typeof request>>;
  try {
    response = await request(send.url, {
      method: send.method ?? 'POST',
      headers: { 'user-agent': USER_AGENT, ...send.headers },
      body: send.body,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal,
    });
  } catch (err) {
    const reason = deadline.aborted || isTimeout(err) ? `no answer within ${timeoutMs}ms` : describeNetworkError(err);
    throw new ChannelRetryableError(channelId, `${what}: ${reason}`, { cause: err });
  }

  const { statusCode } = response;
  const body = await readAnswer(response.body);
  const outcome = outcomeOfStatus(statusCode);
  if (outcome === 'delivered') {
    ctx.log.debug({ channelId, status: statusCode }, 'receiver accepted the notification');
    return { status: statusCode, ...(body ? { body } : {}) };
  }
  const message = `${what} answered HTTP ${statusCode}${body ? `: ${body}` : ''}`;
  if (outcome === 'retry') {
    const retryAfterMs = statusCode === 429 || statusCode === 503 ? parseRetryAfter(response.headers['retry-after']) : undefined;
    throw new ChannelRetryableError(channelId, message, { status: statusCode, body, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
  }
  throw new ChannelPermanentError(channelId, `${message} (not retried: sending again would be refused the same way)`, { status: statusCode, body });
}

export interface JsonPost {
  url: string;
  payload: unknown;
  /** Added to (or replacing) `content-type: application/json`. */
  headers?: Record<string, string>;
  /** After the channel's name in errors, when one send makes several requests: "(close 2 of 3)". */
  detail?: string;
}

/** POSTs `payload` as JSON for a channel; errors call it `slack channel "ops"` (+ the detail). */
export function postJson(config: ChannelBase, post: JsonPost, ctx: SendContext): Promise<ReceiverAnswer> {
  const name = `${config.type} channel "${config.id}"`;
  return sendHttp({
    channelId: config.id,
    what: post.detail === undefined ? name : `${name} ${post.detail}`,
    url: post.url,
    headers: { 'content-type': 'application/json', ...post.headers },
    body: JSON.stringify(post.payload),
    timeoutMs: config.timeoutMs,
  }, ctx);
}

/** The start of a body, white space collapsed; the rest is discarded so the connection is freed. */
async function readAnswer(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= ANSWER_MAX_BYTES) break; // leaving the loop destroys the rest of the body
    }
  } catch {
    // The status already says what happened; a broken body only loses the detail.
  }
  return Buffer.concat(chunks).subarray(0, ANSWER_MAX_BYTES).toString('utf8').replace(/\s+/g, ' ').trim();
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
