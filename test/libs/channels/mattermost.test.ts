import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ChannelPermanentError, ChannelRetryableError, USER_AGENT } from '../../../libs/channels/index.js';
import { mattermost, MATTERMOST_DEFAULT_TEXT, type MattermostChannelConfig } from '../../../libs/channels/mattermost/index.js';
import { freePort } from '../../../scripts/local-stack/ports.js';
import { chatAlerts, failureOf, log, notificationOf, useReceivers, withCheck } from '../../support/channel-fixtures.js';

const receiver = useReceivers(() => ({ status: 200, body: 'ok' }));

/** The configuration as loading it gives it: defaults filled in by the schema. */
function channel(url: string, fields: Record<string, unknown> = {}): MattermostChannelConfig {
  return mattermost.schema.parse({ id: 'ops-mm', type: 'mattermost', url, timeout: '2s', ...fields });
}

const { firing, resolved } = chatAlerts;
const notification = notificationOf([firing, resolved]);

interface Body { text: string; username?: string; icon_url?: string; channel?: string }

describe('the mattermost channel', () => {
  it('posts a markdown message: the title, one list item per alert and a link to Vigil', async () => {
    const hook = await receiver();
    await mattermost.send(channel(hook.url), notification, { log });

    expect(hook.requests).toHaveLength(1);
    const [request] = hook.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/hooks/vigil' });
    expect(request?.headers).toMatchObject({ 'content-type': 'application/json', 'user-agent': USER_AGENT });
    expect(request?.body).toEqual({
      text: [
        '#### [FIRING:1] CheckDown',
        '- :red_circle: **shop-api**: shop-api is down (since 2026-03-01T10:00:00.000Z)',
        '- :large_green_circle: **billing** resolved at 2026-03-01T10:05:00.000Z: billing is down',
        '',
        '[Open Vigil](https://vigil.example)',
      ].join('\n'),
    });
  });

  it('sends the configured username, icon and channel', async () => {
    const hook = await receiver();
    await mattermost.send(channel(hook.url, { username: 'Vigil', iconUrl: 'https://vigil.example/logo.png', channel: 'ops-alerts' }), notification, { log });
    expect(hook.bodies<Body>()[0]).toMatchObject({ username: 'Vigil', icon_url: 'https://vigil.example/logo.png', channel: 'ops-alerts' });
  });

  it('uses the configured text template', async () => {
    const hook = await receiver();
    await mattermost.send(channel(hook.url, { text: '{{ statusText }} ({{ firingCount }}):{{#firing}} {{ labels.check }}{{/firing}}' }), notification, { log });
    expect(hook.bodies<Body>()[0]?.text).toBe('FIRING (1): shop-api');
  });

  it('escapes markdown in label values and keeps each value on its line', async () => {
    const hook = await receiver();
    const hostile = notificationOf([withCheck('<script>alert("x")</script>', '**bold** ![pixel](https://evil.example/p.png) `code`\nsecond line')]);
    await mattermost.send(channel(hook.url, { text: '{{#alerts}}{{ labels.check }}: {{ annotations.summary }}{{/alerts}}' }), hostile, { log });
    expect(hook.bodies<Body>()[0]?.text)
      .toBe('\\<script\\>alert\\("x"\\)\\</script\\>: \\*\\*bold\\*\\* ![pixel]\\(https://evil.example/p.png\\) \\`code\\` second line');
  });

  it('notifies nobody when a label holds @channel or @all: a zero-width space breaks the mention', async () => {
    const hook = await receiver();
    await mattermost.send(channel(hook.url), notificationOf([withCheck('@channel', 'ask @all')]), { log });
    const text = hook.bodies<Body>()[0]?.text ?? '';
    expect(text).not.toMatch(/@channel|@all/);
    expect(text).toContain('**@\u200bchannel**: ask @\u200ball');
  });

  it('leaves the template\'s own markdown and the {{{ }}} values as written', async () => {
    const hook = await receiver();
    await mattermost.send(channel(hook.url, { text: '**{{{ commonLabels.alertname }}}** @here' }), notificationOf([withCheck('x')]), { log });
    expect(hook.bodies<Body>()[0]?.text).toBe('**CheckDown** @here');
  });

  it('cuts a text longer than Mattermost\'s 16383 characters, ending in "…"', async () => {
    const hook = await receiver();
    const many = notificationOf(Array.from({ length: 200 }, (_, index) => withCheck(`check-${index}`, 'y'.repeat(100))));
    await mattermost.send(channel(hook.url), many, { log });
    const text = hook.bodies<Body>()[0]?.text ?? '';
    expect(text).toHaveLength(16_383);
    expect(text.endsWith('…')).toBe(true);
  });

  it('never sends an empty text, which Mattermost refuses', async () => {
    const hook = await receiver();
    await mattermost.send(channel(hook.url, { text: '{{#resolved}}{{ labels.check }}{{/resolved}}' }), notificationOf([firing]), { log });
    expect(hook.bodies<Body>()[0]?.text).toBe('[FIRING:1] CheckDown');
  });

  it('resolves with Mattermost\'s answer, for the delivery log', async () => {
    const hook = await receiver();
    await expect(mattermost.send(channel(hook.url), notification, { log })).resolves.toEqual({ status: 200, body: 'ok' });
  });
});

describe('the mattermost channel, when Mattermost refuses', () => {
  it.each([
    [400, '{"id":"web.incoming_webhook.text.app_error","message":"No text specified.","status_code":400}'],
    [403, '{"id":"web.incoming_webhook.disabled.app_error","status_code":403}'],
    [404, '{"id":"web.incoming_webhook.invalid.app_error","status_code":404}'],
  ])('gives up on HTTP %i, naming the channel and Mattermost\'s reason', async (status, reason) => {
    const hook = await receiver(() => ({ status, body: reason }));
    const failure = await failureOf(mattermost.send(channel(hook.url), notification, { log }));
    expect(failure).toBeInstanceOf(ChannelPermanentError);
    expect(failure).toMatchObject({ status, channelId: 'ops-mm' });
    expect(failure.message).toContain('mattermost channel "ops-mm"');
    expect(failure.message).toContain(`HTTP ${status}`);
    expect(failure.message).toContain(reason);
  });

  it('retries a 429 no sooner than its Retry-After', async () => {
    const hook = await receiver(() => ({ status: 429, headers: { 'retry-after': '5' } }));
    const failure = await failureOf(mattermost.send(channel(hook.url), notification, { log }));
    expect(failure).toBeInstanceOf(ChannelRetryableError);
    expect(failure).toMatchObject({ status: 429, retryAfterMs: 5_000 });
  });

  it('retries HTTP 500', async () => {
    const hook = await receiver(() => ({ status: 500 }));
    expect(await failureOf(mattermost.send(channel(hook.url), notification, { log }))).toBeInstanceOf(ChannelRetryableError);
  });
});

describe('the mattermost channel and its webhook URL, the secret', () => {
  const secretPath = '/hooks/mmSECRETkey1234567890';

  it('does not put the URL in the error when Mattermost refuses', async () => {
    const hook = await receiver(() => ({ status: 404 }));
    const failure = await failureOf(mattermost.send(channel(`http://127.0.0.1:${hook.port}${secretPath}`), notification, { log }));
    expect(hook.requests[0]?.path).toBe(secretPath);
    expect(`${failure.message} ${failure.stack}`).not.toContain('mmSECRETkey');
  });

  it('does not put the URL in the error or the log when Mattermost is unreachable', async () => {
    const lines: string[] = [];
    const recording = pino({ level: 'trace' }, { write: (line: string) => lines.push(line) });
    const failure = await failureOf(mattermost.send(channel(`http://127.0.0.1:${await freePort()}${secretPath}`), notification, { log: recording }));
    expect(failure).toBeInstanceOf(ChannelRetryableError);
    expect(`${failure.message} ${failure.stack} ${lines.join('')}`).not.toContain('mmSECRETkey');
  });
});

describe('the mattermost channel configuration', () => {
  const url = 'https://chat.example/hooks/x';

  it('fills in the text template and the timeout, and leaves sender and channel to the webhook', () => {
    expect(mattermost.schema.parse({ id: 'ops-mm', type: 'mattermost', url })).toEqual({
      id: 'ops-mm', type: 'mattermost', url, timeoutMs: 10_000, text: MATTERMOST_DEFAULT_TEXT,
    });
  });

  it.each([
    ['an icon that is no URL', { iconUrl: 'logo.png' }],
    ['an empty channel', { channel: '' }],
    ['a text template that does not parse', { text: '{{/firing}}' }],
    ['an unknown key', { icon_emoji: ':bell:' }],
  ])('rejects %s', (_, fields) => {
    expect(mattermost.schema.safeParse({ id: 'ops-mm', type: 'mattermost', url, ...fields }).success).toBe(false);
  });
});
