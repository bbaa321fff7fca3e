import type { NodemailerError } from 'nodemailer';
import { ChannelPermanentError, ChannelRetryableError, type ChannelError } from '../errors.js';
import { ANSWER_MAX_BYTES } from '../http.js';

export interface SmtpFailureContext {
  channelId: string;
  /** `email channel "ops"`, for the message. */
  what: string;
  timeoutMs: number;
  /** The overall deadline of this send fired (rather than the caller's shutdown signal). */
  timedOut: boolean;
  /** Texts that must not reach an error: the password and the forms SMTP AUTH sends it in. */
  secrets: readonly string[];
}

/**
 * 5xx replies are refusals the server will repeat (550 no such mailbox, 553, 554, 535 bad
 * credentials), except 503 "bad sequence of commands", which is about the session, not the
 * message, and may pass on a new connection. 4xx replies (421, 450, 451, 452) are the
 * server's "try again later".
 */
export function isPermanentSmtpReply(code: number): boolean {
  return code >= 500 && code < 600 && code !== 503;
}

/** Failures without an SMTP reply that sending again cannot cure: the configuration is wrong. */
const PERMANENT_WITHOUT_REPLY = new Set(['ENOAUTH', 'ECONFIG', 'EENVELOPE', 'EMESSAGE', 'EAUTH']);

/**
 * Turns what nodemailer threw into a ChannelError: from the server's reply when there is one,
 * else from nodemailer's description and code. Every form of the password is removed from
 * what is kept, and nodemailer's error is not attached as the cause, so none can reach a log
 * line or the delivery log.
 */
export function smtpFailure(err: unknown, context: SmtpFailureContext): ChannelError {
  const failure = (err ?? {}) as NodemailerError;
  const reply = typeof failure.response === 'string' ? answerOf(failure.response, context.secrets) : '';
  const replyCode = typeof failure.responseCode === 'number' && failure.responseCode >= 200 ? failure.responseCode : undefined;

  if (replyCode !== undefined) {
    // Refused STARTTLS: nodemailer only sends it when TLS is offered or required, and never falls back to plain text.
    const tls = failure.command === 'STARTTLS' ? '; the message is not sent unencrypted' : '';
    const message = `${context.what} answered SMTP ${replyCode}${answering(failure.command)}${reply ? `: ${reply}` : ''}${tls}`;
    const details = { status: replyCode, body: reply };
    if (isPermanentSmtpReply(replyCode)) {
      return new ChannelPermanentError(context.channelId, `${message} (not retried: the server would refuse it the same way)`, details);
    }
    return new ChannelRetryableError(context.channelId, message, details);
  }

  const reason = redact(describeWithoutReply(failure, context), context.secrets);
  if (failure.code !== undefined && PERMANENT_WITHOUT_REPLY.has(failure.code)) {
    return new ChannelPermanentError(context.channelId, `${context.what}: ${reason} (not retried: the configuration must change first)`);
  }
  return new ChannelRetryableError(context.channelId, `${context.what}: ${reason}`);
}

function describeWithoutReply(failure: NodemailerError, context: SmtpFailureContext): string {
  if (failure.code === 'EABORT') return context.timedOut ? `no answer within ${context.timeoutMs}ms` : 'sending was cancelled';
  if (failure.code === 'ETIMEDOUT') return `no answer within ${context.timeoutMs}ms${failure.timeoutType ? ` (${failure.timeoutType})` : ''}`;
  // ECONNREFUSED says more than nodemailer's ESOCKET around it.
  const code = failure.originalCode ?? failure.code;
  const text = typeof failure.message === 'string' && failure.message !== '' ? failure.message : String(failure);
  return code !== undefined && !text.includes(code) ? `${code}: ${text}` : text;
}

/**
 * Which step the server refused. nodemailer names the command ("RCPT TO", "AUTH PLAIN"),
 * never its arguments; CONN is the greeting or a reply on closing, API its own checks.
 */
function answering(command: string | undefined): string {
  if (command === undefined || command === 'API') return '';
  if (command === 'CONN') return ' on connecting';
  return ` to ${command.split(/\s+/).slice(0, 2).join(' ')}`;
}

/** The start of the server's reply, white space collapsed, secrets removed. */
export function answerOf(reply: string, secrets: readonly string[]): string {
  const collapsed = redact(reply, secrets).replace(/\s+/g, ' ').trim();
  const bytes = Buffer.from(collapsed, 'utf8');
  return bytes.length <= ANSWER_MAX_BYTES ? collapsed : bytes.subarray(0, ANSWER_MAX_BYTES).toString('utf8').replace(/\uFFFD$/, '');
}

export function redact(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    if (secret !== '') result = result.split(secret).join('[redacted]');
  }
  return result;
}
