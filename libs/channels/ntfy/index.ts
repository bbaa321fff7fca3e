import { z } from 'zod';
import { boundedInt, httpUrl, inMs } from '../../config/fields.js';
import { channelFields } from '../channel-config.js';
import { postJson } from '../http.js';
import { renderTemplate, templateText, truncateBytes } from '../template.js';
import { defineChannel, type Notification } from '../types.js';

export const NTFY_URL = 'https://ntfy.sh';
/** ntfy's default message-size-limit; a longer message would become an attachment or be refused. */
export const NTFY_MESSAGE_MAX_BYTES = 4_096;

/** ntfy priorities: 1 min, 2 low, 3 default, 4 high, 5 max (urgent). */
const PRIORITY_OF_SEVERITY: Record<string, number> = { critical: 5, warning: 4 };
const RESOLVED_PRIORITY = 2;

export const DEFAULT_TITLE_TEMPLATE = '{{ title }}';
export const DEFAULT_MESSAGE_TEMPLATE = [
  '{{#alerts}}',
  '{{ labels.alertname }} {{ labels.check }} is {{ status }}{{#annotations.summary}}: {{ annotations.summary }}{{/annotations.summary}}',
  '{{/alerts}}',
].join('\n');

const TOPIC = /^[-_A-Za-z0-9]{1,64}$/;

const schema = inMs(z.strictObject({
  ...channelFields('ntfy'),
  /** The server's root (JSON is published there, the topic in the body), e.g. https://ntfy.example.com. */
  url: httpUrl.default(NTFY_URL),
  // On a public server the topic is as good as a password, so errors never echo it.
  topic: z.string().regex(TOPIC, { error: 'expected a topic of 1 to 64 letters, digits, "_" or "-"' }),
  /** Plain text templates. */
  title: templateText.default(DEFAULT_TITLE_TEMPLATE),
  message: templateText.default(DEFAULT_MESSAGE_TEMPLATE),
  /** For firing alerts whose `severity` label is neither critical (5) nor warning (4). */
  priority: boundedInt(1, 5, 'a priority').default(3),
  /** Added after the status tag (rotating_light or white_check_mark); names of emoji show as emoji. */
  tags: z.array(z.string().min(1)).default(() => []),
  /** An access token (tk_...), sent as a bearer token; a secret: `token: ${NTFY_TOKEN}`. */
  token: z.string().regex(/^\S+$/, { error: 'expected an ntfy access token without spaces (give it from the environment: token: ${NTFY_TOKEN})' }).optional(),
  /** Basic authentication instead of a token. */
  username: z.string().regex(/^[^:\r\n]+$/, { error: 'expected a user name without ":" or line breaks' }).optional(),
  password: z.string().min(1).optional(),
}).superRefine((config, ctx) => {
  if (config.token !== undefined && (config.username !== undefined || config.password !== undefined)) {
    ctx.addIssue({ code: 'custom', path: ['token'], message: 'expected either token or username and password, not both' });
  }
  if ((config.username === undefined) !== (config.password === undefined)) {
    ctx.addIssue({ code: 'custom', path: [config.username === undefined ? 'username' : 'password'], message: 'expected username and password together' });
  }
}), ['timeout']);

export type NtfyChannelConfig = z.output<typeof schema>;

export interface NtfyMessage {
  topic: string;
  title: string;
  message: string;
  priority: number;
  tags: string[];
  click?: string;
}

/** One JSON message per notification, published at the server's root. */
export const ntfy = defineChannel({
  type: 'ntfy',
  schema,

  send(config, notification, ctx) {
    return postJson(config, { url: config.url, payload: ntfyMessage(config, notification), headers: authorizationOf(config) }, ctx);
  },
});

export function ntfyMessage(config: NtfyChannelConfig, notification: Notification): NtfyMessage {
  const firing = notification.alerts.some((alert) => alert.status === 'firing');
  return {
    topic: config.topic,
    title: renderTemplate(config.title, notification, 'none').trim(),
    message: truncateBytes(renderTemplate(config.message, notification, 'none').trim(), NTFY_MESSAGE_MAX_BYTES),
    priority: priorityOf(config, notification),
    tags: [firing ? 'rotating_light' : 'white_check_mark', ...config.tags],
    ...(notification.externalURL ? { click: notification.externalURL } : {}),
  };
}

/** The most urgent of the firing alerts; a notification of resolved alerts only is low. */
function priorityOf(config: NtfyChannelConfig, notification: Notification): number {
  const firing = notification.alerts.filter((alert) => alert.status === 'firing');
  if (firing.length === 0) return RESOLVED_PRIORITY;
  return Math.max(...firing.map((alert) => PRIORITY_OF_SEVERITY[alert.labels.severity?.trim().toLowerCase() ?? ''] ?? config.priority));
}

function authorizationOf(config: NtfyChannelConfig): Record<string, string> {
  if (config.token !== undefined) return { authorization: `Bearer ${config.token}` };
  if (config.username !== undefined && config.password !== undefined) {
    return { authorization: `Basic ${Buffer.from(`${config.username}:${config.password}`, 'utf8').toString('base64')}` };
  }
  return {};
}
