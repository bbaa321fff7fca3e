import { describe, expect, it } from 'vitest';
import {
  ChannelPermanentError,
  ChannelRetryableError,
  CHANNEL_LIST,
  outcomeOfStatus,
  sendNotification,
  standardWebhookSignature,
  USER_AGENT,
  webhook,
  type Notification,
} from '../../../libs/channels/index.js';
import type { WebhookChannelConfig } from '../../../libs/config/index.js';
import { log, useReceivers } from '../../support/channel-fixtures.js';
import { freePort } from '../../../scripts/local-stack/ports.js';

const receiver = useReceivers();

function channel(url: string, fields: Partial<WebhookChannelConfig> = {}): WebhookChannelConfig {
  return { id: 'ops-hook', type: 'webhook', url, headers: {}, contentType: 'application/json', timeoutMs: 2_000, ...fields };
}

const notification: Notification = {
  id: 'msg_0123456789abcdef',
  receiver: 'ops-hook',
  groupKey: '{}:{check="shop-api"}',
  groupLabels: { check: 'shop-api' },
  alerts: [{
    fingerprint: 'f1',
    status: 'firing',
    labels: { alertname: 'CheckDown', check: 'shop-api' },
    annotations: { summary: 'shop-api is down' },
    startsAt: '2025-03-01T10:00:00.000Z',
  }],
  externalURL: 'http://localhost',
};

describe('the webhook channel', () => {
  it('posts the Alertmanager message as JSON with Vigil user agent and the configured headers', async () => {
    const hook = await receiver();
    await webhook.send(channel(hook.url, { headers: { Authorization: 'Bearer s3cret', 'X-Team': 'ops' } }), notification, { log });

    expect(hook.requests).toHaveLength(1);
    const [request] = hook.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/hooks/vigil' });
    expect(request?.headers).toMatchObject({ 'content-type': 'application/json', 'user-agent': USER_AGENT, authorization: 'Bearer s3cret', 'x-team': 'ops' });
    expect(request?.body).toMatchObject({ version: '4', receiver: 'ops-hook', status: 'firing', groupKey: '{}:{check="shop-api"}', alerts: [{ fingerprint: 'f1', endsAt: '0001-01-01T00:00:00Z' }] });
  });

  it('always sends JSON, even when the configuration names another content type', async () => {
    const hook = await receiver();
    await webhook.send(channel(hook.url, { headers: { 'Content-Type': 'text/plain' } }), notification, { log });
    expect(hook.requests[0]?.headers['content-type']).toBe('application/json');
  });

  it('is what the registry sends webhook channels through', async () => {
    expect(CHANNEL_LIST).toContain(webhook);
    const hook = await receiver();
    await sendNotification(channel(hook.url), notification, { log });
    expect(hook.requests).toHaveLength(1);
  });

  it.each([400, 401, 403, 404, 410, 422])('gives up on HTTP %i, naming the status and channel', async (status) => {
    const hook = await receiver(() => ({ status, body: 'unknown receiver' }));
    const failure = await webhook.send(channel(hook.url), notification, { log }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ChannelPermanentError);
    expect(failure).toMatchObject({ code: 'CHANNEL_PERMANENT', status, channelId: 'ops-hook' });
    expect((failure as Error).message).toContain(`HTTP ${status}`);
    expect((failure as Error).message).toContain('ops-hook');
    expect((failure as Error).message).toContain('unknown receiver');
  });

  it.each([408, 429, 500, 502, 503])('asks for a retry on HTTP %i', async (status) => {
    const hook = await receiver(() => ({ status }));
    const failure = await webhook.send(channel(hook.url), notification, { log }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ChannelRetryableError);
    expect(failure).toMatchObject({ code: 'CHANNEL_RETRYABLE', status });
  });

  it('asks for a retry when nothing listens at the address', async () => {
    const url = `http://127.0.0.1:${await freePort()}/hooks/vigil`;
    const failure = await webhook.send(channel(url), notification, { log }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ChannelRetryableError);
    expect((failure as Error).message).toMatch(/ECONNREFUSED/);
  });

  it('asks for a retry when the receiver does not answer within the channel timeout', async () => {
    const hook = await receiver(() => ({ status: 200, delayMs: 2_000 }));
    const started = Date.now();
    const failure = await webhook.send(channel(hook.url, { timeoutMs: 200 }), notification, { log }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ChannelRetryableError);
    expect((failure as Error).message).toContain('200ms');
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('does not put the webhook URL, which may hold a token, in its errors', async () => {
    const hook = await receiver(() => ({ status: 403 }));
    const failure = await webhook.send(channel(`${hook.url}?token=s3cret`), notification, { log }).catch((err: unknown) => err);
    expect((failure as Error).message).not.toContain('s3cret');
  });

  it('keeps only the start of a long refusal body in the error', async () => {
    const hook = await receiver(() => ({ status: 400, body: 'x'.repeat(100_000) }));
    const failure = await webhook.send(channel(hook.url), notification, { log }).catch((err: unknown) => err);
    expect((failure as Error).message.length).toBeLessThan(1_000);
  });
});

describe('the webhook channel, Standard Webhooks headers', () => {
  it('sends the notification id as webhook-id and the attempt time as webhook-timestamp', async () => {
    const hook = await receiver();
    await webhook.send(channel(hook.url), notification, { log, now: new Date('2026-01-01T00:00:10Z') });
    expect(hook.requests[0]?.headers).toMatchObject({ 'webhook-id': 'msg_0123456789abcdef', 'webhook-timestamp': '1767225610' });
    expect(hook.requests[0]?.headers['webhook-signature']).toBeUndefined();
  });

  it('signs like the Standard Webhooks reference (its published test vector)', () => {
    expect(standardWebhookSignature('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', '1614265330', '{"test": 2432232314}'))
      .toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('signs id, timestamp and the exact body it sent when a secret is configured', async () => {
    const hook = await receiver();
    await webhook.send(channel(hook.url, { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }), notification, { log });
    const [request] = hook.requests;
    const headers = request!.headers as Record<string, string>;
    expect(headers['webhook-signature']).toBe(standardWebhookSignature('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', headers['webhook-id']!, headers['webhook-timestamp']!, JSON.stringify(request!.body)));
  });
});

describe('the webhook channel with a template', () => {
  it('posts the rendered template instead of the Alertmanager message, JSON-escaping label values', async () => {
    const hook = await receiver();
    const risky = { ...notification, alerts: [{ ...notification.alerts[0]!, labels: { ...notification.alerts[0]!.labels, check: 'shop "api"\nline' } }] };
    await webhook.send(channel(hook.url, { template: '{"text": "{{ status }}: {{#alerts}}{{ labels.check }}{{/alerts}}"}' }), risky, { log });
    expect(hook.requests[0]?.body).toEqual({ text: 'firing: shop "api"\nline' });
  });
});

describe('the webhook channel, when the receiver asks to wait', () => {
  it('passes on Retry-After of a 429 so the retry waits as long as asked', async () => {
    const hook = await receiver(() => ({ status: 429, body: 'slow down', headers: { 'retry-after': '7' } }));
    const failure = await webhook.send(channel(hook.url), notification, { log }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ChannelRetryableError);
    expect(failure).toMatchObject({ status: 429, retryAfterMs: 7_000, body: 'slow down' });
  });

  it('resolves with the receiver answer, for the delivery log', async () => {
    const hook = await receiver(() => ({ status: 202, body: 'queued as 42' }));
    await expect(webhook.send(channel(hook.url), notification, { log })).resolves.toEqual({ status: 202, body: 'queued as 42' });
  });
});

describe('what an HTTP status means for a notification', () => {
  it.each([
    [200, 'delivered'], [202, 'delivered'], [204, 'delivered'],
    [301, 'permanent'], [302, 'permanent'],
    [400, 'permanent'], [401, 'permanent'], [404, 'permanent'],
    [408, 'retry'], [429, 'retry'],
    [500, 'retry'], [503, 'retry'], [504, 'retry'],
  ] as const)('%i → %s', (status, outcome) => {
    expect(outcomeOfStatus(status)).toBe(outcome);
  });
});
