import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ChannelPermanentError, ChannelRetryableError } from '../../../libs/channels/errors.js';
import { USER_AGENT } from '../../../libs/channels/http.js';
import { DEFAULT_TEXT_TEMPLATE, telegram, TELEGRAM_API_URL } from '../../../libs/channels/telegram/index.js';
import { truncateHtml } from '../../../libs/channels/telegram/truncate-html.js';
import type { Notification } from '../../../libs/channels/types.js';
import { freePort } from '../../../scripts/local-stack/ports.js';
import { log, pushAlerts, pushNotificationOf, useReceivers } from '../../support/channel-fixtures.js';
import type { RecordingReceiver } from '../../support/recording-receiver.js';

const BOT_TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
const OK = { status: 200, body: '{"ok":true,"result":{"message_id":42}}' };
const receiver = useReceivers(() => OK);

const apiRoot = (bot: RecordingReceiver): string => `http://127.0.0.1:${bot.port}`;

/** The channel as the configuration file would give it, defaults filled in by the schema. */
function channel(apiUrl: string, fields: Record<string, unknown> = {}) {
  return telegram.schema.parse({ id: 'tg-ops', type: 'telegram', apiUrl, botToken: BOT_TOKEN, chatId: -1001234567890, timeout: '2s', ...fields });
}

const { firing, resolved } = pushAlerts;

async function sentText(notification: Notification, fields: Record<string, unknown> = {}): Promise<string> {
  const bot = await receiver();
  await telegram.send(channel(apiRoot(bot), fields), notification, { log });
  return bot.bodies()[0]!.text as string;
}

describe('the telegram channel', () => {
  it('posts sendMessage to the bot\'s path with an HTML message about every alert', async () => {
    const bot = await receiver();
    await telegram.send(channel(`${apiRoot(bot)}/`), pushNotificationOf(firing, resolved), { log });

    expect(bot.requests).toHaveLength(1);
    expect(bot.requests[0]).toMatchObject({ method: 'POST', path: `/bot${BOT_TOKEN}/sendMessage` });
    expect(bot.requests[0]?.headers).toMatchObject({ 'content-type': 'application/json', 'user-agent': USER_AGENT });
    expect(bot.requests[0]?.body).toEqual({
      chat_id: -1001234567890,
      text: [
        '<b>[FIRING:1] CheckDown</b>',
        '🔥 <b>CheckDown</b> shop-api: shop-api is down from 2 regions',
        '✅ <b>CheckDown</b> shop-web',
        '<a href="https://vigil.example.com">Open Vigil</a>',
      ].join('\n'),
      parse_mode: 'HTML',
      disable_web_page_preview: true,
    });
  });

  it('resolves with Telegram\'s answer, for the delivery log', async () => {
    const bot = await receiver();
    await expect(telegram.send(channel(apiRoot(bot)), pushNotificationOf(firing), { log })).resolves.toEqual(OK);
  });

  it('sends a channel username as chat_id and a forum topic as message_thread_id', async () => {
    const bot = await receiver();
    await telegram.send(channel(apiRoot(bot), { chatId: '@vigil_alerts', messageThreadId: '17' }), pushNotificationOf(firing), { log });
    expect(bot.bodies()[0]).toMatchObject({ chat_id: '@vigil_alerts', message_thread_id: 17 });
  });

  it('renders a custom text template', async () => {
    const text = await sentText(pushNotificationOf(firing), { text: '<i>{{ statusText }}</i> {{#alerts}}{{ labels.check }}{{/alerts}}' });
    expect(text).toBe('<i>FIRING</i> shop-api');
  });

  it('HTML-escapes label values, so markup, quotes and ampersands arrive as text', async () => {
    const risky = { ...firing, labels: { alertname: 'CheckDown', check: '<script>alert("x")</script> & \'y\'\nnext' } };
    const text = await sentText(pushNotificationOf(risky), { text: '{{#alerts}}<b>{{ labels.check }}</b>{{/alerts}}' });
    expect(text).toBe('<b>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;\nnext</b>');
  });

  it('cuts a message longer than 4096 characters, closing the tags it cut through', async () => {
    const long = { ...firing, annotations: { summary: 'é & '.repeat(2_000) } };
    const text = await sentText(pushNotificationOf(long), { text: '<b>{{#alerts}}{{ annotations.summary }}{{/alerts}}</b>' });
    expect(text.length).toBeLessThanOrEqual(4_096);
    expect(text.startsWith('<b>é &amp; é')).toBe(true);
    expect(text.endsWith('…</b>')).toBe(true);
    expect(text).not.toMatch(/&[a-z#0-9]*…/);
  });
});

describe('cutting Telegram HTML', () => {
  it('leaves a message within the limit as it is', () => {
    expect(truncateHtml('<b>ok</b>', 9)).toBe('<b>ok</b>');
  });

  it('never ends inside an entity', () => {
    expect(truncateHtml('ab &amp; cd', 6)).toBe('ab …');
  });

  it('never ends inside a tag', () => {
    expect(truncateHtml('<b><i>abcdef</i> <a href="https://x">link</a></b>', 22)).toBe('<b><i>abcdef</i> …</b>');
  });

  it('closes the tags left open, innermost first', () => {
    expect(truncateHtml('<b><i>abcdefgh</i></b>', 17)).toBe('<b><i>ab…</i></b>');
  });

  it('keeps as much text as fits with the closing tags it needs', () => {
    const cut = truncateHtml('<a href="https://x">a long link text</a>', 30);
    expect(cut).toBe('<a href="https://x">a lon…</a>');
    expect(cut).toHaveLength(30);
  });

  it('never splits an emoji', () => {
    expect(truncateHtml('ab🔥🔥', 4)).toBe('ab…');
  });
});

describe('the telegram channel, when Telegram refuses or is unavailable', () => {
  it.each([
    [400, 'Bad Request: chat not found'],
    [401, 'Unauthorized'],
    [403, 'Forbidden: bot was blocked by the user'],
  ])('gives up on HTTP %i, naming the channel and Telegram\'s reason', async (status, description) => {
    const bot = await receiver(() => ({ status, body: JSON.stringify({ ok: false, error_code: status, description }) }));
    const failure = await telegram.send(channel(apiRoot(bot)), pushNotificationOf(firing), { log }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ChannelPermanentError);
    expect(failure).toMatchObject({ status, channelId: 'tg-ops' });
    expect((failure as Error).message).toContain('telegram channel "tg-ops"');
    expect((failure as Error).message).toContain(description);
  });

  it('asks for a retry on a 429, waiting as long as parameters.retry_after in the body says', async () => {
    const bot = await receiver(() => ({ status: 429, body: '{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 35","parameters":{"retry_after":35}}' }));
    const failure = await telegram.send(channel(apiRoot(bot)), pushNotificationOf(firing), { log }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ChannelRetryableError);
    expect(failure).toMatchObject({ status: 429, retryAfterMs: 35_000, channelId: 'tg-ops' });
    expect((failure as Error).message).toContain('Too Many Requests');
  });

  it('prefers retry_after in the body to a Retry-After header', async () => {
    const bot = await receiver(() => ({ status: 429, headers: { 'retry-after': '5' }, body: '{"ok":false,"error_code":429,"parameters":{"retry_after":20}}' }));
    const failure = await telegram.send(channel(apiRoot(bot)), pushNotificationOf(firing), { log }).catch((err: unknown) => err);
    expect(failure).toMatchObject({ retryAfterMs: 20_000 });
  });

  it('still reads retry_after from a 429 body too long to keep whole', async () => {
    const body = `{"ok":false,"error_code":429,"parameters":{"retry_after":9},"description":"${'x'.repeat(2_000)}"}`;
    const bot = await receiver(() => ({ status: 429, body }));
    const failure = await telegram.send(channel(apiRoot(bot)), pushNotificationOf(firing), { log }).catch((err: unknown) => err);
    expect(failure).toMatchObject({ retryAfterMs: 9_000 });
  });

  it('falls back to the Retry-After header when a 429 body says nothing', async () => {
    const bot = await receiver(() => ({ status: 429, headers: { 'retry-after': '3' }, body: 'slow down' }));
    const failure = await telegram.send(channel(apiRoot(bot)), pushNotificationOf(firing), { log }).catch((err: unknown) => err);
    expect(failure).toMatchObject({ status: 429, retryAfterMs: 3_000 });
  });

  it.each([500, 502])('asks for a retry on HTTP %i', async (status) => {
    const bot = await receiver(() => ({ status }));
    const failure = await telegram.send(channel(apiRoot(bot)), pushNotificationOf(firing), { log }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ChannelRetryableError);
  });
});

describe('the telegram bot token, which sits in the URL path', () => {
  it('never appears in the error when Telegram refuses it', async () => {
    const bot = await receiver(() => ({ status: 404, body: '{"ok":false,"error_code":404,"description":"Not Found"}' }));
    const failure = await telegram.send(channel(apiRoot(bot)), pushNotificationOf(firing), { log }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ChannelPermanentError);
    expect(inspect(failure, { depth: 10 })).not.toContain(BOT_TOKEN);
  });

  it('never appears in the error, or its cause, when nothing answers at the address', async () => {
    const failure = await telegram.send(channel(`http://127.0.0.1:${await freePort()}`), pushNotificationOf(firing), { log }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ChannelRetryableError);
    expect((failure as Error).message).toMatch(/ECONNREFUSED/);
    expect(inspect(failure, { depth: 10 })).not.toContain(BOT_TOKEN);
    expect(inspect(failure, { depth: 10 })).not.toContain(BOT_TOKEN.split(':')[1]);
  });

  it('never appears in the error when Telegram does not answer in time', async () => {
    const bot = await receiver(() => ({ ...OK, delayMs: 2_000 }));
    const failure = await telegram.send(channel(apiRoot(bot), { timeout: '200ms' }), pushNotificationOf(firing), { log }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ChannelRetryableError);
    expect(inspect(failure, { depth: 10 })).not.toContain(BOT_TOKEN);
  });

  it('never appears in a log line, sent or refused', async () => {
    const lines: string[] = [];
    const capture = new Writable({ write(chunk: Buffer, _encoding, done) { lines.push(chunk.toString('utf8')); done(); } });
    const traceLog = pino({ level: 'trace' }, capture);
    const bot = await receiver((index) => (index === 0 ? OK : { status: 401, body: 'Unauthorized' }));
    await telegram.send(channel(apiRoot(bot)), pushNotificationOf(firing), { log: traceLog });
    await telegram.send(channel(apiRoot(bot)), pushNotificationOf(firing), { log: traceLog }).catch(() => undefined);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('')).not.toContain(BOT_TOKEN);
  });
});

describe('the telegram channel configuration', () => {
  it('fills in Telegram\'s API URL, the default template and a 10s timeout', () => {
    expect(telegram.schema.parse({ id: 'tg', type: 'telegram', botToken: BOT_TOKEN, chatId: '-1001234567890' })).toEqual({
      id: 'tg',
      type: 'telegram',
      apiUrl: TELEGRAM_API_URL,
      botToken: BOT_TOKEN,
      chatId: '-1001234567890',
      text: DEFAULT_TEXT_TEMPLATE,
      timeoutMs: 10_000,
    });
  });

  it.each([
    ['not a bot token', 'hunter2'],
    ['a token that would change the request path', '123456789:AAH/../../getUpdates'],
  ])('rejects %s without repeating it', (_what, botToken) => {
    const result = telegram.schema.safeParse({ id: 'tg', type: 'telegram', botToken, chatId: 1 });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).not.toContain(botToken);
  });

  it.each([['ops team'], [1.5], [true]])('rejects a chat id of %j', (chatId) => {
    expect(telegram.schema.safeParse({ id: 'tg', type: 'telegram', botToken: BOT_TOKEN, chatId }).success).toBe(false);
  });

  it('rejects a text template that does not parse', () => {
    expect(telegram.schema.safeParse({ id: 'tg', type: 'telegram', botToken: BOT_TOKEN, chatId: 1, text: '{{#alerts}}' }).success).toBe(false);
  });
});
