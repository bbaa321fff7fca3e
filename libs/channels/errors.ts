export type ChannelErrorCode = 'CHANNEL_PERMANENT' | 'CHANNEL_RETRYABLE';

/** What a receiver said, for the delivery log: its status and the start of its body. */
export interface ReceiverAnswer {
  status?: number;
  /** At most ANSWER_MAX_BYTES, white space collapsed. */
  body?: string;
}

export interface ChannelErrorDetails {
  /** The receiver's HTTP status, when it answered at all. */
  status?: number;
  /** The start of the receiver's answer body, when there was one. */
  body?: string;
  /** The receiver asked to be retried no sooner than this (Retry-After on 429 and 503). */
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * A notification the receiver did not accept. Callers branch on `code`, never on the message.
 * Messages name the channel and what went wrong, never a URL or a token.
 */
export abstract class ChannelError extends Error {
  abstract readonly code: ChannelErrorCode;
  readonly status?: number;
  readonly body?: string;
  readonly retryAfterMs?: number;

  constructor(readonly channelId: string, message: string, details: ChannelErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    if (details.status !== undefined) this.status = details.status;
    if (details.body !== undefined && details.body !== '') this.body = details.body;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
  }

  get answer(): ReceiverAnswer {
    return { ...(this.status === undefined ? {} : { status: this.status }), ...(this.body === undefined ? {} : { body: this.body }) };
  }
}

/** Sending the same notification again cannot succeed (bad request, wrong credentials, gone). */
export class ChannelPermanentError extends ChannelError {
  override readonly name = 'ChannelPermanentError';
  readonly code = 'CHANNEL_PERMANENT';
}

/** The receiver may accept a later attempt (unreachable, timed out, overloaded, 5xx). */
export class ChannelRetryableError extends ChannelError {
  override readonly name = 'ChannelRetryableError';
  readonly code = 'CHANNEL_RETRYABLE';
}

export type StatusOutcome = 'delivered' | 'retry' | 'permanent';

/**
 * What an HTTP status means for a notification. 408 and 429 are the receiver asking us to
 * come back later; any other 4xx will be refused again. Redirects are not followed (a
 * webhook that moved should be reconfigured, and following one would re-send the body to an
 * address nobody configured), so they count as permanent.
 */
export function outcomeOfStatus(status: number): StatusOutcome {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'permanent';
}

/** The longest Retry-After Vigil honours; a receiver asking for more is retried after this. */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * Retry-After (RFC 9110 §10.2.3) in ms from `nowMs`: delay-seconds or an HTTP date. Undefined
 * when absent or unreadable; capped at MAX_RETRY_AFTER_MS, never negative.
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs = Date.now()): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return undefined;
  let delayMs: number;
  if (/^\d+$/.test(text)) delayMs = Number(text) * 1_000;
  else {
    // An HTTP date names its day and month; Date.parse alone would read "-3" as a year.
    if (!/[A-Za-z]{3}/.test(text)) return undefined;
    const atMs = Date.parse(text);
    if (!Number.isFinite(atMs)) return undefined;
    delayMs = atMs - nowMs;
  }
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, delayMs));
}
