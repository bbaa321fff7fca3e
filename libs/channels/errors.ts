export type ChannelErrorCode = 'CHANNEL_PERMANENT' | 'CHANNEL_RETRYABLE';

/** A notification the receiver did not accept. Callers branch on `code`, never on the message. */
export abstract class ChannelError extends Error {
  abstract readonly code: ChannelErrorCode;

  constructor(
    readonly channelId: string,
    message: string,
    /** The receiver's HTTP status, when it answered at all. */
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
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
