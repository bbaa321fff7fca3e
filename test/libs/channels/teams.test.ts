import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ChannelPermanentError, ChannelRetryableError, USER_AGENT } from '../../../libs/channels/index.js';
import { teams, TEAMS_DEFAULT_TEXT, type TeamsChannelConfig } from '../../../libs/channels/teams/index.js';
import { freePort } from '../../../scripts/local-stack/ports.js';
import { chatAlerts, failureOf, log, notificationOf, useReceivers, withCheck } from '../../support/channel-fixtures.js';
import type { RecordingReceiver } from '../../support/recording-receiver.js';

/** A Workflows webhook accepts the request with 202 and posts the card later. */
const receiver = useReceivers(() => ({ status: 202 }));

/** The configuration as loading it gives it: defaults filled in by the schema. */
function channel(url: string, fields: Record<string, unknown> = {}): TeamsChannelConfig {
  return teams.schema.parse({ id: 'ops-teams', type: 'teams', url, timeout: '2s', ...fields });
}

const { firing, resolved } = chatAlerts;
const notification = notificationOf([firing, resolved]);

interface Card { body: { type: string; text: string; color?: string }[]; actions?: { type: string; title: string; url: string }[] }
interface Body { type: string; attachments: { content: Card }[] }

function cardOf(hook: RecordingReceiver): Card {
  return hook.bodies<Body>()[0]!.attachments[0]!.content;
}

describe('the teams channel', () => {
  it('posts an Adaptive Card with the title, the alert list and a button to Vigil', async () => {
    const hook = await receiver();
    await teams.send(channel(hook.url), notification, { log });

    expect(hook.requests).toHaveLength(1);
    const [request] = hook.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/hooks/vigil' });
    expect(request?.headers).toMatchObject({ 'content-type': 'application/json', 'user-agent': USER_AGENT });
    expect(request?.body).toEqual({
      type: 'message',
      attachments: [{
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            { type: 'TextBlock', text: '[FIRING:1] CheckDown', weight: 'Bolder', size: 'Medium', wrap: true, color: 'Attention' },
            {
              type: 'TextBlock',
              text: [
                '- 🔴 **shop-api**: shop-api is down (since 2026-03-01T10:00:00.000Z)',
                '- 🟢 **billing** resolved at 2026-03-01T10:05:00.000Z: billing is down',
              ].join('\n'),
              wrap: true,
            },
          ],
          actions: [{ type: 'Action.OpenUrl', title: 'Open Vigil', url: 'https://vigil.example' }],
        },
      }],
    });
  });

  it('colours the title green once no alert fires', async () => {
    const hook = await receiver();
    await teams.send(channel(hook.url), notificationOf([resolved]), { log });
    expect(cardOf(hook).body[0]).toMatchObject({ text: '[RESOLVED:1] CheckDown', color: 'Good' });
  });

  it('uses the configured title, text and button templates', async () => {
    const hook = await receiver();
    await teams.send(channel(hook.url, { title: '{{ statusText }}: {{ firingCount }} down', text: '{{#firing}}{{ labels.check }} is {{ status }}{{/firing}}', linkText: 'Dashboard' }), notification, { log });
    const card = cardOf(hook);
    expect(card.body.map((block) => block.text)).toEqual(['FIRING: 1 down', 'shop-api is firing']);
    expect(card.actions?.[0]?.title).toBe('Dashboard');
  });

  it('keeps label values on their line and stops them from becoming links; JSON carries quotes and <script> as text', async () => {
    const hook = await receiver();
    const hostile = notificationOf([withCheck('<script>alert("x")</script>', '[sign in](https://evil.example)\nsecond line')]);
    await teams.send(channel(hook.url, { text: '{{#alerts}}{{ labels.check }}: {{ annotations.summary }}{{/alerts}}' }), hostile, { log });
    expect(cardOf(hook).body[1]?.text).toBe('<script>alert("x")</script>: [sign in]\u200b(https://evil.example) second line');
  });

  it('leaves the button out when linkText is empty or the external URL is no web address', async () => {
    const hook = await receiver();
    await teams.send(channel(hook.url, { linkText: '' }), notification, { log });
    await teams.send(channel(hook.url), notificationOf([firing], { externalURL: 'vigil.internal' }), { log });
    const [first, second] = hook.bodies<Body>();
    expect(first?.attachments[0]?.content).not.toHaveProperty('actions');
    expect(second?.attachments[0]?.content).not.toHaveProperty('actions');
  });

  it('cuts a long text to fit Teams\' message size, ending in "…"', async () => {
    const hook = await receiver();
    const many = notificationOf(Array.from({ length: 300 }, (_, index) => withCheck(`check-${index}`, 'ü'.repeat(100))));
    await teams.send(channel(hook.url), many, { log });
    const text = cardOf(hook).body[1]?.text ?? '';
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(20_000);
    expect(text.endsWith('…')).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(hook.requests[0]?.body))).toBeLessThan(28_000);
  });

  it('resolves with the Workflows 202, for the delivery log', async () => {
    const hook = await receiver();
    await expect(teams.send(channel(hook.url), notification, { log })).resolves.toEqual({ status: 202 });
  });
});

describe('the teams channel, when Teams refuses', () => {
  it.each([
    [400, '{"error":{"code":"InvalidRequestContent","message":"The input body for trigger is not valid"}}'],
    [401, '{"error":{"code":"DirectApiAuthorizationRequired"}}'],
    [404, '{"error":{"code":"WorkflowNotFound"}}'],
  ])('gives up on HTTP %i, naming the channel and the reason', async (status, reason) => {
    const hook = await receiver(() => ({ status, body: reason }));
    const failure = await failureOf(teams.send(channel(hook.url), notification, { log }));
    expect(failure).toBeInstanceOf(ChannelPermanentError);
    expect(failure).toMatchObject({ status, channelId: 'ops-teams' });
    expect(failure.message).toContain('teams channel "ops-teams"');
    expect(failure.message).toContain(`HTTP ${status}`);
  });

  it('retries a 429 no sooner than its Retry-After', async () => {
    const hook = await receiver(() => ({ status: 429, headers: { 'retry-after': '12' } }));
    const failure = await failureOf(teams.send(channel(hook.url), notification, { log }));
    expect(failure).toBeInstanceOf(ChannelRetryableError);
    expect(failure).toMatchObject({ status: 429, retryAfterMs: 12_000 });
  });

  it('retries HTTP 503', async () => {
    const hook = await receiver(() => ({ status: 503 }));
    expect(await failureOf(teams.send(channel(hook.url), notification, { log }))).toBeInstanceOf(ChannelRetryableError);
  });
});

describe('the teams channel and its Workflows URL, the secret', () => {
  const secretPath = '/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=TeamsSECRETsig';

  it('does not put the URL in the error when Teams refuses', async () => {
    const hook = await receiver(() => ({ status: 401 }));
    const failure = await failureOf(teams.send(channel(`http://127.0.0.1:${hook.port}${secretPath}`), notification, { log }));
    expect(hook.requests[0]?.path).toBe(secretPath);
    expect(`${failure.message} ${failure.stack}`).not.toContain('TeamsSECRETsig');
  });

  it('does not put the URL in the error or the log when Teams is unreachable', async () => {
    const lines: string[] = [];
    const recording = pino({ level: 'trace' }, { write: (line: string) => lines.push(line) });
    const failure = await failureOf(teams.send(channel(`http://127.0.0.1:${await freePort()}${secretPath}`), notification, { log: recording }));
    expect(failure).toBeInstanceOf(ChannelRetryableError);
    expect(`${failure.message} ${failure.stack} ${lines.join('')}`).not.toContain('TeamsSECRETsig');
  });
});

describe('the teams channel configuration', () => {
  const url = 'https://prod-00.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=x';

  it('fills in the templates, the button text and the timeout', () => {
    expect(teams.schema.parse({ id: 'ops-teams', type: 'teams', url })).toEqual({
      id: 'ops-teams', type: 'teams', url, timeoutMs: 10_000, title: '{{ title }}', text: TEAMS_DEFAULT_TEXT, linkText: 'Open Vigil',
    });
  });

  it.each([
    ['a URL with a line break', { url: `${url}\n` }],
    ['a URL that is not http', { url: 'ftp://teams.example/x' }],
    ['a title template that does not parse', { title: '{{#alerts}}' }],
    ['an unknown key', { themeColor: 'FF0000' }],
  ])('rejects %s', (_, fields) => {
    expect(teams.schema.safeParse({ id: 'ops-teams', type: 'teams', url, ...fields }).success).toBe(false);
  });
});
