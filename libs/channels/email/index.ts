import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import type { SendMailOptions, SMTPSentMessageInfo, SMTPTransportOptions } from 'nodemailer';
import { z } from 'zod';
import { hostOrIp, inMs, port, requestHeaders, show } from '../../config/fields.js';
import { channelFields } from '../channel-config.js';
import { ChannelRetryableError, type ReceiverAnswer } from '../errors.js';
import { USER_AGENT } from '../http.js';
import { renderTemplate, templateText, templateView, type TemplateView } from '../template.js';
import { defineChannel, type Notification, type SendContext } from '../types.js';
import { answerOf, smtpFailure } from './smtp-failure.js';

/** `ops@example.com` or `Vigil <vigil@example.com>`; never a line break, which would start a new header. */
const ADDRESS = /^(?:[^<>\r\n"]*<[^\s<>@]+@[^\s<>@]+>|"[^"\r\n]*"\s*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@"]+@[^\s<>@]+)$/;
const address = z.string().regex(ADDRESS, {
  error: (issue) => `expected an e-mail address like "ops@example.com" or "Vigil <vigil@example.com>", got ${show(issue.input)}`,
});

/** Headers the channel writes itself; a configured one would be sent twice or contradict the message. */
const OWN_HEADERS = new Set(['from', 'to', 'cc', 'bcc', 'subject', 'date', 'message-id', 'mime-version', 'content-type', 'content-transfer-encoding', 'x-vigil-notification-id']);
const extraHeaders = requestHeaders.superRefine((headers, ctx) => {
  for (const name of Object.keys(headers)) {
    if (OWN_HEADERS.has(name.toLowerCase())) ctx.addIssue({ code: 'custom', path: [name], message: `expected a header the email channel does not set itself, got "${name}" (use from, to, subject instead)` });
  }
});

/** Trusted CA certificates instead of the system store: PEM text, or the absolute path of a PEM file read at each send. */
const caCertificates = z.string().min(1).refine((value) => value.includes('-----BEGIN') || (isAbsolute(value) && !/[\r\n\0]/.test(value)), {
  error: (issue) => `expected PEM text ("-----BEGIN CERTIFICATE-----...") or the absolute path of a PEM file, got ${show(issue.input)}`,
});

const DEFAULT_SUBJECT = '{{ title }}';

const DEFAULT_TEXT = `{{ title }}
{{#firingCount}}

Firing:
{{#firing}}
- {{ labels.alertname }}{{#labels.check}} {{ labels.check }}{{/labels.check}}{{#annotations.summary}}: {{ annotations.summary }}{{/annotations.summary}} (since {{ startsAt }})
{{/firing}}
{{/firingCount}}
{{#resolvedCount}}

Resolved:
{{#resolved}}
- {{ labels.alertname }}{{#labels.check}} {{ labels.check }}{{/labels.check}}{{#annotations.summary}}: {{ annotations.summary }}{{/annotations.summary}} (at {{ endsAt }})
{{/resolved}}
{{/resolvedCount}}

{{ externalURL }}
`;

const DEFAULT_HTML = `<!DOCTYPE html>
<html><body style="font-family: sans-serif">
<h2>{{ title }}</h2>
{{#firingCount}}
<h3>Firing</h3>
<ul>
{{#firing}}
<li><strong>{{ labels.alertname }}</strong>{{#labels.check}} {{ labels.check }}{{/labels.check}}{{#annotations.summary}}: {{ annotations.summary }}{{/annotations.summary}} <small>since {{ startsAt }}</small></li>
{{/firing}}
</ul>
{{/firingCount}}
{{#resolvedCount}}
<h3>Resolved</h3>
<ul>
{{#resolved}}
<li><strong>{{ labels.alertname }}</strong>{{#labels.check}} {{ labels.check }}{{/labels.check}}{{#annotations.summary}}: {{ annotations.summary }}{{/annotations.summary}} <small>at {{ endsAt }}</small></li>
{{/resolved}}
</ul>
{{/resolvedCount}}
<p><a href="{{ externalURL }}">Open Vigil</a></p>
</body></html>
`;

const schema = inMs(z.strictObject({
  ...channelFields('email'),
  host: hostOrIp,
  /** Absent: 465 with `secure`, else 587 (submission with STARTTLS). */
  port: port.optional(),
  /** Implicit TLS from the first byte (port 465); false: plain connection upgraded with STARTTLS when offered. */
  secure: z.boolean().default(false),
  /** Refuse to send unless the STARTTLS upgrade succeeds (no effect with `secure`). */
  requireTLS: z.boolean().default(false),
  tls: z.strictObject({
    /** Verify the server's certificate chain and name. */
    verify: z.boolean().default(true),
    ca: caCertificates.optional(),
  }).default(() => ({ verify: true })),
  /** Give the password from the environment: `pass: ${SMTP_PASSWORD}`. */
  auth: z.strictObject({ user: z.string().min(1), pass: z.string().min(1) }).optional(),
  from: address,
  to: z.array(address).min(1, { error: 'expected at least one recipient address' }),
  subject: templateText.default(DEFAULT_SUBJECT),
  /** The plain-text part; values are inserted as they are. */
  text: templateText.default(DEFAULT_TEXT),
  /** The HTML part; values are HTML-escaped. */
  html: templateText.default(DEFAULT_HTML),
  headers: extraHeaders.default(() => ({})),
}), ['timeout']).transform((config) => ({ ...config, port: config.port ?? (config.secure ? 465 : 587) }));

export type EmailChannelConfig = z.output<typeof schema>;

/** Mail clients show about a line of subject; a longer one is cut rather than folded into noise. */
export const SUBJECT_MAX_CHARS = 250;
/** Far beyond any alert group, far below the SIZE servers advertise (10 MB and up). */
export const PART_MAX_CHARS = 1_000_000;

/**
 * Sends the notification as one e-mail with a plain-text and an HTML part over SMTP. The
 * Message-ID is derived from the notification id, so a notification sent again after a crash
 * carries the same Message-ID and mail systems can recognise the repeat.
 */
export const email = defineChannel({
  type: 'email',
  schema,

  async send(config, notification, ctx) {
    const what = `email channel "${config.id}"`;
    const message = buildMessage(config, notification, ctx.now ?? new Date());
    const transportOptions = await transportOptionsFor(config, what);
    // Loaded here, not at the top: services that only read the configuration never need it.
    const { createTransport } = await import('nodemailer');
    const transport = createTransport(transportOptions);

    const deadline = AbortSignal.timeout(config.timeoutMs);
    const signal = ctx.signal ? AbortSignal.any([ctx.signal, deadline]) : deadline;
    try {
      const info = await transport.sendMail({ ...message, signal });
      return answerFor(config, info, ctx);
    } catch (err) {
      throw smtpFailure(err, { channelId: config.id, what, timeoutMs: config.timeoutMs, timedOut: deadline.aborted, secrets: secretsOf(config) });
    } finally {
      transport.close();
    }
  },
});

/** `<msg_…@vigil>`: the notification id in the characters a Message-ID allows, anything else as =XX. */
export function messageIdFor(notificationId: string): string {
  const local = notificationId.replace(/[^A-Za-z0-9_.+-]/g, (char) => [...Buffer.from(char, 'utf8')].map((byte) => `=${byte.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
  return `<${local.replace(/^\.+|\.+$/g, '') || 'notification'}@vigil>`;
}

function buildMessage(config: EmailChannelConfig, notification: Notification, now: Date): SendMailOptions {
  const view = templateView(notification);
  return {
    from: config.from,
    to: config.to,
    subject: subjectOf(config.subject, view),
    text: truncate(renderTemplate(config.text, view, 'none'), PART_MAX_CHARS),
    html: truncate(renderTemplate(config.html, view, 'html'), PART_MAX_CHARS),
    messageId: messageIdFor(notification.id),
    date: now,
    headers: { ...config.headers, 'X-Vigil-Notification-Id': notification.id.replace(/[\r\n]/g, '') },
    xMailer: USER_AGENT,
    // Templates produce strings only; no message part may name a file or URL to be read.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

/** One line: a label value with a line break must not end the Subject header early. */
function subjectOf(template: string, view: TemplateView): string {
  return truncate(renderTemplate(template, view, 'none').replace(/\s+/g, ' ').trim(), SUBJECT_MAX_CHARS);
}

function truncate(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars - 1)}…`;
}

async function transportOptionsFor(config: EmailChannelConfig, what: string): Promise<SMTPTransportOptions> {
  const ca = await loadCa(config.tls.ca, config.id, what);
  return {
    host: config.host,
    port: config.port,
    secure: config.secure,
    requireTLS: config.requireTLS,
    tls: { rejectUnauthorized: config.tls.verify, minVersion: 'TLSv1.2', ...(ca === undefined ? {} : { ca }) },
    ...(config.auth === undefined ? {} : { auth: { user: config.auth.user, pass: config.auth.pass } }),
    connectionTimeout: config.timeoutMs,
    greetingTimeout: config.timeoutMs,
    socketTimeout: config.timeoutMs,
    dnsTimeout: config.timeoutMs,
    logger: false,
  };
}

/**
 * Read at each send so a renewed CA file is picked up. A missing file is retried: it is
 * usually a volume not mounted yet, and a retry after the fix still delivers the alert.
 */
async function loadCa(ca: string | undefined, channelId: string, what: string): Promise<string | undefined> {
  if (ca === undefined || ca.includes('-----BEGIN')) return ca;
  try {
    return await readFile(ca, 'utf8');
  } catch (err) {
    throw new ChannelRetryableError(channelId, `${what}: cannot read the CA file ${ca} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
  }
}

/** The password as configured and as AUTH PLAIN and LOGIN put it on the wire. */
function secretsOf(config: EmailChannelConfig): string[] {
  if (config.auth === undefined) return [];
  const { user, pass } = config.auth;
  return [pass, Buffer.from(pass).toString('base64'), Buffer.from(`\0${user}\0${pass}`).toString('base64')];
}

/**
 * The server's final reply ("250 2.0.0 Ok: queued as …"). Recipients it refused while
 * accepting others are not a failure, since sending again would repeat the message to
 * everyone who got it, so they are logged and named in the answer instead.
 */
function answerFor(config: EmailChannelConfig, info: SMTPSentMessageInfo, ctx: SendContext): ReceiverAnswer {
  const reply = answerOf(typeof info.response === 'string' ? info.response : '', secretsOf(config));
  const status = Number(/^\d{3}/.exec(reply)?.[0] ?? 250);
  const rejected = (info.rejected ?? []).map(String);
  if (rejected.length > 0) {
    ctx.log.warn({ channelId: config.id, rejected, accepted: info.accepted.length }, 'the SMTP server refused some recipients of the notification');
  }
  const body = rejected.length > 0 ? `${reply} (refused: ${rejected.join(', ')})` : reply;
  ctx.log.debug({ channelId: config.id, status }, 'SMTP server accepted the notification');
  return { status, ...(body ? { body } : {}) };
}
