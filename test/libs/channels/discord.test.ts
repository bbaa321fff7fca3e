import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ChannelPermanentError, ChannelRetryableError, USER_AGENT } from '../../../libs/channels/index.js';
import { discord, DISCORD_DEFAULT_TEXT, DISCORD_FIRING_COLOR, DISCORD_RESOLVED_COLOR, type DiscordChannelConfig } from '../../../libs/channels/discord/index.js';
import { freePort } from '../../../scripts/local-stack/ports.js';
import { chatAlerts, failureOf, log, notificationOf, useReceivers, withCheck } from '../../support/channel-fixtures.js';

/** Discord answers a webhook post with 204 and no body unless asked to wait. */
const receiver = useReceivers(() => ({ status: 204 }));

/** The configuration as loading it gives it: defaults filled in by the schema. */
function channel(url: string, fields: Record<string, unknown> = {}): DiscordChannelConfig {
  return discord.schema.parse({ id: 'ops-discord', type: 'discord', url, timeout: '2s', ...fields });
}

const { firing, resolved } = chatAlerts;
const notification = notificationOf([firing, resolved]);

interface Embed { title?: string; description?: string; color: number; url?: string }
interface Body { username?: string; avatar_url?: string; embeds: Embed[]; allowed_mentions: unknown }

describe('the discord channel', () => {
  it('posts one red embed with the title, the alert list and a link to Vigil, mentioning nobody', async () => {
    const hook = await receiver();
    await discord.send(channel(hook.url), notification, { log });

    expect(hook.requests).toHaveLength(1);
    const [request] = hook.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/hooks/vigil' });
    expect(request?.headers).toMatchObject({ 'content-type': 'application/json', 'user-agent': USER_AGENT });
    expect(request?.body).toEqual({
      embeds: [{
        title: '[FIRING:1] CheckDown',
        description: [
          '🔴 **shop-api**: shop-api is down (since 2026-03-01T10:00:00.000Z)',
          '🟢 **billing** resolved at 2026-03-01T10:05:00.000Z: billing is down',
        ].join('\n'),
        color: DISCORD_FIRING_COLOR,
        url: 'https://vigil.example',
      }],
      allowed_mentions: { parse: [] },
    });
  });

  it('turns green once no alert fires', async () => {
    const hook = await receiver();
    await discord.send(channel(hook.url), notificationOf([resolved]), { log });
    expect(hook.bodies<Body>()[0]?.embeds[0]).toMatchObject({ title: '[RESOLVED:1] CheckDown', color: DISCORD_RESOLVED_COLOR });
  });

  it('sends the configured username and avatar', async () => {
    const hook = await receiver();
    await discord.send(channel(hook.url, { username: 'Vigil', avatarUrl: 'https://vigil.example/logo.png' }), notification, { log });
    expect(hook.bodies<Body>()[0]).toMatchObject({ username: 'Vigil', avatar_url: 'https://vigil.example/logo.png' });
  });

  it('uses the configured title and text templates', async () => {
    const hook = await receiver();
    await discord.send(channel(hook.url, { title: '{{ statusText }}: {{ firingCount }} down', text: '{{#firing}}{{ labels.check }} is {{ status }}{{/firing}}' }), notification, { log });
    expect(hook.bodies<Body>()[0]?.embeds[0]).toMatchObject({ title: 'FIRING: 1 down', description: 'shop-api is firing' });
  });

  it('escapes markdown in label values and keeps each value on its line', async () => {
    const hook = await receiver();
    const hostile = notificationOf([withCheck('<script>alert("x")</script>', '**bold** [click](https://evil.example) `code` ||spoiler||\nsecond line')]);
    await discord.send(channel(hook.url, { text: '{{#alerts}}{{ labels.check }}: {{ annotations.summary }}{{/alerts}}' }), hostile, { log });
    expect(hook.bodies<Body>()[0]?.embeds[0]?.description)
      .toBe('\\<script\\>alert\\("x"\\)\\</script\\>: \\*\\*bold\\*\\* [click]\\(https://evil.example\\) \\`code\\` \\|\\|spoiler\\|\\| second line');
  });

  it('pings nobody when a label holds @everyone', async () => {
    const hook = await receiver();
    await discord.send(channel(hook.url), notificationOf([withCheck('@everyone', '@here <@123>')]), { log });
    const [body] = hook.bodies<Body>();
    expect(body?.allowed_mentions).toEqual({ parse: [] });
    expect(body?.embeds[0]?.description).toContain('**@everyone**: @here \\<@123\\>');
  });

  it('links the embed only to a real web address', async () => {
    const hook = await receiver();
    await discord.send(channel(hook.url), notificationOf([firing], { externalURL: 'vigil.internal' }), { log });
    expect(hook.bodies<Body>()[0]?.embeds[0]).not.toHaveProperty('url');
  });

  it('cuts the title at 256 and the description at 4096 characters, ending in "…"', async () => {
    const hook = await receiver();
    const many = notificationOf(Array.from({ length: 100 }, (_, index) => withCheck(`check-${index}`, 'y'.repeat(80))));
    await discord.send(channel(hook.url, { title: 'x'.repeat(300) }), many, { log });
    const embed = hook.bodies<Body>()[0]!.embeds[0]!;
    expect(embed.title).toHaveLength(256);
    expect(embed.title?.endsWith('…')).toBe(true);
    expect(embed.description).toHaveLength(4_096);
    expect(embed.description?.endsWith('…')).toBe(true);
  });

  it('never sends an empty embed, which Discord refuses', async () => {
    const hook = await receiver();
    await discord.send(channel(hook.url, { title: '', text: '{{#resolved}}{{ labels.check }}{{/resolved}}' }), notificationOf([firing]), { log });
    const embed = hook.bodies<Body>()[0]!.embeds[0]!;
    expect(embed.title).toBe('[FIRING:1] CheckDown');
    expect(embed).not.toHaveProperty('description');
  });

  it('resolves with Discord\'s 204', async () => {
    const hook = await receiver();
    await expect(discord.send(channel(hook.url), notification, { log })).resolves.toEqual({ status: 204 });
  });
});

describe('the discord channel, when Discord refuses', () => {
  it.each([
    [400, '{"code": 50035, "message": "Invalid Form Body"}'],
    [401, '{"message": "Invalid Webhook Token", "code": 50027}'],
    [404, '{"message": "Unknown Webhook", "code": 10015}'],
  ])('gives up on HTTP %i, naming the channel and Discord\'s reason', async (status, reason) => {
    const hook = await receiver(() => ({ status, body: reason }));
    const failure = await failureOf(discord.send(channel(hook.url), notification, { log }));
    expect(failure).toBeInstanceOf(ChannelPermanentError);
    expect(failure).toMatchObject({ status, channelId: 'ops-discord' });
    expect(failure.message).toContain('discord channel "ops-discord"');
    expect(failure.message).toContain(`HTTP ${status}`);
    expect(failure.message).toContain(reason);
  });

  it('retries a 429 no sooner than its Retry-After', async () => {
    const hook = await receiver(() => ({ status: 429, body: '{"message": "You are being rate limited.", "retry_after": 2.5, "global": false}', headers: { 'retry-after': '3' } }));
    const failure = await failureOf(discord.send(channel(hook.url), notification, { log }));
    expect(failure).toBeInstanceOf(ChannelRetryableError);
    expect(failure).toMatchObject({ status: 429, retryAfterMs: 3_000 });
  });

  it('retries HTTP 502', async () => {
    const hook = await receiver(() => ({ status: 502 }));
    expect(await failureOf(discord.send(channel(hook.url), notification, { log }))).toBeInstanceOf(ChannelRetryableError);
  });
});

describe('the discord channel and its webhook URL, the secret', () => {
  const secretPath = '/api/webhooks/123456/DiscordSECRETtoken';

  it('does not put the URL in the error when Discord refuses', async () => {
    const hook = await receiver(() => ({ status: 404, body: 'Unknown Webhook' }));
    const failure = await failureOf(discord.send(channel(`http://127.0.0.1:${hook.port}${secretPath}`), notification, { log }));
    expect(hook.requests[0]?.path).toBe(secretPath);
    expect(`${failure.message} ${failure.stack}`).not.toContain('DiscordSECRETtoken');
  });

  it('does not put the URL in the error or the log when Discord is unreachable', async () => {
    const lines: string[] = [];
    const recording = pino({ level: 'trace' }, { write: (line: string) => lines.push(line) });
    const failure = await failureOf(discord.send(channel(`http://127.0.0.1:${await freePort()}${secretPath}`), notification, { log: recording }));
    expect(failure).toBeInstanceOf(ChannelRetryableError);
    expect(`${failure.message} ${failure.stack} ${lines.join('')}`).not.toContain('DiscordSECRETtoken');
  });
});

describe('the discord channel configuration', () => {
  const url = 'https://discord.com/api/webhooks/1/x';

  it('fills in the templates and the timeout, and leaves the sender to the webhook', () => {
    expect(discord.schema.parse({ id: 'ops-discord', type: 'discord', url })).toEqual({
      id: 'ops-discord', type: 'discord', url, timeoutMs: 10_000, title: '{{ title }}', text: DISCORD_DEFAULT_TEXT,
    });
  });

  it.each([
    ['a username Discord refuses', { username: 'Discord alerts' }],
    ['a username longer than 80 characters', { username: 'v'.repeat(81) }],
    ['an avatar that is no URL', { avatarUrl: 'logo.png' }],
    ['a title template that does not parse', { title: '{{ unclosed' }],
    ['an unknown key', { content: 'hi' }],
  ])('rejects %s', (_, fields) => {
    expect(discord.schema.safeParse({ id: 'ops-discord', type: 'discord', url, ...fields }).success).toBe(false);
  });
});
