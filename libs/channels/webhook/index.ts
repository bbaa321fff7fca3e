import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { httpUrl, inMs, stringMap } from '../../config/fields.js';
import { buildAlertmanagerMessage } from '../alertmanager-message.js';
import { channelFields } from '../channel-config.js';
import { sendHttp } from '../http.js';
import { renderTemplate, templateText } from '../template.js';
import { defineChannel, type Notification } from '../types.js';

const schema = inMs(z.strictObject({
  ...channelFields('webhook'),
  url: httpUrl,
  headers: stringMap.default(() => ({})),
  /**
   * Signs each request the Standard Webhooks way (`webhook-signature: v1,<HMAC-SHA256>`).
   * `whsec_<base64>` as Standard Webhooks libraries generate it, or any other text, used as is.
   * Give it from the environment: `secret: ${WEBHOOK_SECRET}`.
   */
  secret: z.string().min(1).optional(),
  /** The body; absent, Alertmanager's webhook message (version 4). Values are JSON-escaped. */
  template: templateText.optional(),
  contentType: z.string().regex(/^[\w.+-]+\/[\w.+-]+(;.*)?$/).default('application/json'),
}), ['timeout']);

export type WebhookChannelConfig = z.output<typeof schema>;

/**
 * POSTs the notification as an Alertmanager webhook message (or the configured template),
 * with Standard Webhooks headers: `webhook-id` is the notification's idempotency key, the same
 * on every attempt, so a receiver can drop the rare repeat after a crash.
 */
export const webhook = defineChannel({
  type: 'webhook',
  schema,

  send(config, notification, ctx) {
    const body = config.template === undefined ? JSON.stringify(buildAlertmanagerMessage(notification)) : renderTemplate(config.template, notification, 'json');
    const timestamp = String(Math.floor((ctx.now ?? new Date()).getTime() / 1_000));
    return sendHttp({
      channelId: config.id,
      what: `webhook channel "${config.id}"`,
      url: config.url,
      headers: headersFor(config, notification, timestamp, body),
      body,
      timeoutMs: config.timeoutMs,
    }, ctx);
  },
});

function headersFor(config: WebhookChannelConfig, notification: Notification, timestamp: string, body: string): Record<string, string> {
  const headers: Record<string, string> = {};
  // Lower-cased so a configured "Content-Type" is replaced by ours instead of sent beside it.
  for (const [name, value] of Object.entries(config.headers)) headers[name.toLowerCase()] = value;
  headers['content-type'] = config.contentType;
  headers['webhook-id'] = notification.id;
  headers['webhook-timestamp'] = timestamp;
  if (config.secret !== undefined) headers['webhook-signature'] = standardWebhookSignature(config.secret, notification.id, timestamp, body);
  return headers;
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed by the secret (Standard Webhooks). */
export function standardWebhookSignature(secret: string, id: string, timestamp: string, body: string): string {
  const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}
