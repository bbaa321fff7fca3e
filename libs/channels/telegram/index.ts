import { z } from 'zod';
import { boundedInt, httpUrl, inMs } from '../../config/fields.js';
import { channelFields } from '../channel-config.js';
import { ChannelRetryableError, MAX_RETRY_AFTER_MS } from '../errors.js';
import { postJson } from '../http.js';
import { renderTemplate, templateText } from '../template.js';
import { defineChannel } from '../types.js';
import { truncateHtml } from './truncate-html.js';

export const TELEGRAM_API_URL = 'https://api.telegram.org';
/** sendMessage refuses a longer text. */
export const TELEGRAM_TEXT_MAX_LENGTH = 4_096;

/**
 * Telegram's HTML allows only a few tags (b, i, u, s, a, code, pre); values are HTML-escaped,
 * so a label can never open one.
 */
export const DEFAULT_TEXT_TEMPLATE = [
  '<b>{{ title }}</b>',
  '{{#alerts}}',
  '{{#firing}}🔥{{/firing}}{{^firing}}✅{{/firing}} <b>{{ labels.alertname }}</b> {{ labels.check }}{{#annotations.summary}}: {{ annotations.summary }}{{/annotations.summary}}',
  '{{/alerts}}',
  '{{#externalURL}}<a href="{{ externalURL }}">Open Vigil</a>{{/externalURL}}',
].join('\n');

/** Bot API tokens are "<bot id>:<secret>"; anything else could also change the request path. */
const BOT_TOKEN = /^\d+:[A-Za-z0-9_-]+$/;
const CHAT_ID = /^(-?\d+|@[A-Za-z][A-Za-z0-9_]{3,31})$/;

/** A number, a numeric string (from `${CHAT_ID}`) or a public channel's "@username", sent as given. */
const chatId = z.unknown().transform((value, ctx) => {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string' && CHAT_ID.test(value)) return value;
  ctx.addIssue({ code: 'custom', message: `expected a chat id like -1001234567890 or a channel username like "@vigil_alerts", got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}` });
  return z.NEVER;
});

const schema = inMs(z.strictObject({
  ...channelFields('telegram'),
  /** Another Bot API server (a local one), else Telegram's. */
  apiUrl: httpUrl.default(TELEGRAM_API_URL),
  /** From @BotFather; a secret, and part of the request path: `botToken: ${TELEGRAM_BOT_TOKEN}`. */
  botToken: z.string().regex(BOT_TOKEN, {
    // Never echo the value: it is a secret.
    error: 'expected a bot token like "123456789:AA..." from @BotFather (give it from the environment: botToken: ${TELEGRAM_BOT_TOKEN})',
  }),
  chatId,
  /** A topic of a forum supergroup. */
  messageThreadId: boundedInt(1, Number.MAX_SAFE_INTEGER, 'a message thread id').optional(),
  /** HTML, values HTML-escaped. */
  text: templateText.default(DEFAULT_TEXT_TEMPLATE),
}), ['timeout']);

export type TelegramChannelConfig = z.output<typeof schema>;

export interface TelegramSendMessage {
  chat_id: string | number;
  text: string;
  parse_mode: 'HTML';
  disable_web_page_preview: true;
  message_thread_id?: number;
}

/**
 * One sendMessage per notification. The bot token sits in the URL path, and sendHttp never
 * puts a URL in an error, so the token stays out of errors and logs.
 */
export const telegram = defineChannel({
  type: 'telegram',
  schema,

  async send(config, notification, ctx) {
    const message: TelegramSendMessage = {
      chat_id: config.chatId,
      text: truncateHtml(renderTemplate(config.text, notification, 'html').trim(), TELEGRAM_TEXT_MAX_LENGTH),
      parse_mode: 'HTML',
      disable_web_page_preview: true,
      ...(config.messageThreadId === undefined ? {} : { message_thread_id: config.messageThreadId }),
    };
    try {
      return await postJson(config, { url: `${config.apiUrl.replace(/\/+$/, '')}/bot${config.botToken}/sendMessage`, payload: message }, ctx);
    } catch (err) {
      throw withTelegramRetryAfter(err);
    }
  },
});

/**
 * Telegram says how long to wait in the body of a 429 (`parameters.retry_after`, seconds),
 * often without a Retry-After header; the body wins, since it is what the flood control counts.
 */
function withTelegramRetryAfter(err: unknown): unknown {
  if (!(err instanceof ChannelRetryableError) || err.status !== 429 || err.body === undefined) return err;
  const seconds = retryAfterSeconds(err.body);
  if (seconds === undefined) return err;
  return new ChannelRetryableError(err.channelId, err.message, {
    status: err.status,
    body: err.body,
    retryAfterMs: Math.min(MAX_RETRY_AFTER_MS, seconds * 1_000),
    cause: err.cause,
  });
}

function retryAfterSeconds(body: string): number | undefined {
  let value: unknown;
  try {
    value = (JSON.parse(body) as { parameters?: { retry_after?: unknown } }).parameters?.retry_after;
  } catch {
    // The body is cut at 512 bytes; the field may still be readable in what arrived.
    value = /"retry_after"\s*:\s*(\d+)/.exec(body)?.[1];
  }
  const seconds = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}
