import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ChannelPermanentError, ChannelRetryableError, USER_AGENT } from '../../../libs/channels/index.js';
import { slack, SLACK_DEFAULT_TEXT, type SlackChannelConfig } from '../../../libs/channels/slack/index.js';
import { freePort } from '../../../scripts/local-stack/ports.js';
import { chatAlerts, failureOf, log, notificationOf, useReceivers, withCheck } from '../../support/channel-fixtures.js';

const receiver = useReceivers(() => ({ status: 200, body: 'ok' }));

/** The configuration as loading it gives it: defaults filled in by the schema. */
function channel(url: string, fields: Record<string, unknown> = {}): SlackChannelConfig {
  return slack.schema.parse({ id: 'ops-slack', type: 'slack', url, timeout: '2s', ...fields });
}

const { firing, resolved } = chatAlerts;
const notification = notificationOf([firing, resolved]);

interface Block { type: string; text?: { type: string; text: string }; elements?: { type: string; text: string }[] }
interface Body { text: string; blocks: Block[] }

describe('the slack channel', () => {
  it('posts a header, the alert list and a link to Vigil as Block Kit JSON', async () => {
    const hook = await receiver();
    await slack.send(channel(hook.url), notification, { log });

    expect(hook.requests).toHaveLength(1);
    const [request] = hook.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/hooks/vigil' });
    expect(request?.headers).toMatchObject({ 'content-type': 'application/json; charset=utf-8', 'user-agent': USER_AGENT });
    const list = [
      ':red_circle: *shop-api*: shop-api is down (since 2026-03-01T10:00:00.000Z)',
      ':large_green_circle: *billing* resolved at 2026-03-01T10:05:00.000Z: billing is down',
    ].join('\n');
    expect(request?.body).toEqual({
      text: `[FIRING:1] CheckDown\n${list}`,
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: '[FIRING:1] CheckDown', emoji: true } },
        { type: 'section', text: { type: 'mrkdwn', text: list } },
        { type: 'context', elements: [{ type: 'mrkdwn', text: '<https://vigil.example|Open Vigil>' }] },
      ],
    });
  });

  it('uses the configured title and text templates', async () => {
    const hook = await receiver();
    await slack.send(channel(hook.url, { title: '{{ statusText }}: {{ firingCount }} down', text: '{{#firing}}{{ labels.check }} is {{ status }}{{/firing}}' }), notification, { log });
    const [body] = hook.bodies<Body>();
    expect(body?.blocks[0]?.text?.text).toBe('FIRING: 1 down');
    expect(body?.blocks[1]?.text?.text).toBe('shop-api is firing');
    expect(body?.text).toBe('FIRING: 1 down\nshop-api is firing');
  });

  it('escapes &, < and > of label values in mrkdwn, so they form no link or mention, and leaves the plain-text header as written', async () => {
    const hook = await receiver();
    const hostile = notificationOf([withCheck('<script>alert("x")</script> & <!channel>', 'see <https://evil.example|here>')], { groupLabels: { check: '<b>"shop"</b>' } });
    await slack.send(channel(hook.url), hostile, { log });
    const [body] = hook.bodies<Body>();
    expect(body?.blocks[0]?.text).toEqual({ type: 'plain_text', text: '[FIRING:1] CheckDown <b>"shop"</b>', emoji: true });
    expect(body?.blocks[1]?.text?.text).toBe(':red_circle: *&lt;script&gt;alert("x")&lt;/script&gt; &amp; &lt;!channel&gt;*: see &lt;https://evil.example|here&gt; (since 2026-03-01T10:00:00.000Z)');
    expect(body?.text.startsWith('[FIRING:1] CheckDown &lt;b&gt;"shop"&lt;/b&gt;\n')).toBe(true);
  });

  it('shows that all alerts are resolved once none fires', async () => {
    const hook = await receiver();
    await slack.send(channel(hook.url), notificationOf([resolved]), { log });
    const [body] = hook.bodies<Body>();
    expect(body?.blocks[0]?.text?.text).toBe('[RESOLVED:1] CheckDown');
    expect(body?.blocks[1]?.text?.text).toBe(':large_green_circle: *billing* resolved at 2026-03-01T10:05:00.000Z: billing is down');
  });

  it('leaves the link out when linkText is empty', async () => {
    const hook = await receiver();
    await slack.send(channel(hook.url, { linkText: '' }), notification, { log });
    expect(hook.bodies<Body>()[0]?.blocks.map((block) => block.type)).toEqual(['header', 'section']);
  });

  it('leaves the link out when the external URL is no web address', async () => {
    const hook = await receiver();
    await slack.send(channel(hook.url), notificationOf([firing], { externalURL: '' }), { log });
    expect(hook.bodies<Body>()[0]?.blocks.map((block) => block.type)).toEqual(['header', 'section']);
  });

  it('sends the group\'s title as plain text when the templates render nothing, since Slack refuses empty blocks', async () => {
    const hook = await receiver();
    await slack.send(channel(hook.url, { title: '', text: '{{#resolved}}{{ labels.check }}{{/resolved}}', linkText: '' }), notificationOf([firing]), { log });
    expect(hook.bodies<Body>()[0]).toEqual({ text: '[FIRING:1] CheckDown' });
  });

  it('resolves with Slack\'s answer, for the delivery log', async () => {
    const hook = await receiver();
    await expect(slack.send(channel(hook.url), notification, { log })).resolves.toEqual({ status: 200, body: 'ok' });
  });
});

describe('the slack channel, within Slack\'s limits', () => {
  it('cuts a long header at 150 characters, ending in "…"', async () => {
    const hook = await receiver();
    await slack.send(channel(hook.url, { title: 'x'.repeat(400) }), notification, { log });
    const header = hook.bodies<Body>()[0]?.blocks[0]?.text?.text ?? '';
    expect(header).toHaveLength(150);
    expect(header.endsWith('…')).toBe(true);
  });

  it('spreads many alerts over sections of at most 3000 characters, each alert whole', async () => {
    const hook = await receiver();
    const many = notificationOf(Array.from({ length: 120 }, (_, index) => withCheck(`check-${index}`, 'y'.repeat(60))));
    await slack.send(channel(hook.url), many, { log });
    const sections = hook.bodies<Body>()[0]!.blocks.filter((block) => block.type === 'section').map((block) => block.text!.text);
    expect(sections.length).toBeGreaterThan(1);
    for (const section of sections) expect(section.length).toBeLessThanOrEqual(3_000);
    const lines = sections.flatMap((section) => section.split('\n'));
    expect(lines).toHaveLength(120);
    expect(lines[119]).toBe(`:red_circle: *check-119*: ${'y'.repeat(60)} (since 2026-03-01T10:00:00.000Z)`);
  });

  it('cuts one alert line longer than a section at 3000 characters, ending in "…"', async () => {
    const hook = await receiver();
    await slack.send(channel(hook.url), notificationOf([withCheck('shop-api', 'z'.repeat(5_000))]), { log });
    const section = hook.bodies<Body>()[0]?.blocks[1]?.text?.text ?? '';
    expect(section).toHaveLength(3_000);
    expect(section.endsWith('z…')).toBe(true);
  });

  it('keeps to 50 blocks and the fallback to 3000 characters however many alerts there are', async () => {
    const hook = await receiver();
    const huge = notificationOf(Array.from({ length: 2_000 }, (_, index) => withCheck(`check-${index}`, 'w'.repeat(100))));
    await slack.send(channel(hook.url), huge, { log });
    const [body] = hook.bodies<Body>();
    expect(body?.blocks).toHaveLength(50);
    expect(body?.blocks[48]?.text?.text.endsWith('…')).toBe(true);
    expect(body?.blocks[49]?.type).toBe('context');
    expect(body?.text.length).toBeLessThanOrEqual(3_000);
  });
});

describe('the slack channel, when Slack refuses', () => {
  it.each([
    [400, 'invalid_payload'],
    [403, 'action_prohibited'],
    [404, 'no_service'],
    [410, 'channel_is_archived'],
  ])('gives up on HTTP %i %s, naming the channel and Slack\'s reason', async (status, reason) => {
    const hook = await receiver(() => ({ status, body: reason }));
    const failure = await failureOf(slack.send(channel(hook.url), notification, { log }));
    expect(failure).toBeInstanceOf(ChannelPermanentError);
    expect(failure).toMatchObject({ status, channelId: 'ops-slack', body: reason });
    expect(failure.message).toContain('slack channel "ops-slack"');
    expect(failure.message).toContain(`HTTP ${status}`);
    expect(failure.message).toContain(reason);
  });

  it('retries a 429 no sooner than its Retry-After', async () => {
    const hook = await receiver(() => ({ status: 429, body: 'rate_limited', headers: { 'retry-after': '30' } }));
    const failure = await failureOf(slack.send(channel(hook.url), notification, { log }));
    expect(failure).toBeInstanceOf(ChannelRetryableError);
    expect(failure).toMatchObject({ status: 429, retryAfterMs: 30_000 });
  });

  it.each([500, 503])('retries HTTP %i', async (status) => {
    const hook = await receiver(() => ({ status }));
    const failure = await failureOf(slack.send(channel(hook.url), notification, { log }));
    expect(failure).toBeInstanceOf(ChannelRetryableError);
    expect(failure).toMatchObject({ status });
  });
});

describe('the slack channel and its webhook URL, the secret', () => {
  const secretPath = '/services/T0000/B0000/xoxSECRETtoken';

  it('does not put the URL in the error when Slack refuses', async () => {
    const hook = await receiver(() => ({ status: 404, body: 'no_service' }));
    const failure = await failureOf(slack.send(channel(`http://127.0.0.1:${hook.port}${secretPath}`), notification, { log }));
    expect(hook.requests[0]?.path).toBe(secretPath);
    expect(`${failure.message} ${failure.stack}`).not.toContain('xoxSECRETtoken');
  });

  it('does not put the URL in the error or the log when Slack is unreachable', async () => {
    const lines: string[] = [];
    const recording = pino({ level: 'trace' }, { write: (line: string) => lines.push(line) });
    const failure = await failureOf(slack.send(channel(`http://127.0.0.1:${await freePort()}${secretPath}`), notification, { log: recording }));
    expect(failure).toBeInstanceOf(ChannelRetryableError);
    expect(failure.message).toContain('slack channel "ops-slack"');
    expect(`${failure.message} ${failure.stack} ${lines.join('')}`).not.toContain('xoxSECRETtoken');
  });
});

describe('the slack channel configuration', () => {
  it('fills in the templates, the link text and the timeout', () => {
    expect(slack.schema.parse({ id: 'ops-slack', type: 'slack', url: 'https://hooks.slack.com/services/T/B/x' })).toEqual({
      id: 'ops-slack',
      type: 'slack',
      url: 'https://hooks.slack.com/services/T/B/x',
      timeoutMs: 10_000,
      title: '{{ title }}',
      text: SLACK_DEFAULT_TEXT,
      linkText: 'Open Vigil',
    });
  });

  it.each([
    ['a URL that is not one', { url: 'hooks.slack.com/services/T/B/x' }],
    ['a text template that does not parse', { text: '{{#firing}} never closed' }],
    ['an unknown key', { channel: '#ops' }],
  ])('rejects %s', (_, fields) => {
    expect(slack.schema.safeParse({ id: 'ops-slack', type: 'slack', url: 'https://hooks.slack.com/services/T/B/x', ...fields }).success).toBe(false);
  });
});
