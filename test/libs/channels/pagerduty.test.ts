import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ChannelPermanentError, ChannelRetryableError } from '../../../libs/channels/errors.js';
import { USER_AGENT } from '../../../libs/channels/http.js';
import { DEFAULT_SOURCE_TEMPLATE, DEFAULT_SUMMARY_TEMPLATE, pagerduty, PAGERDUTY_EVENTS_URL } from '../../../libs/channels/pagerduty/index.js';
import type { AlertEvent } from '../../../libs/queues/index.js';
import { freePort } from '../../../scripts/local-stack/ports.js';
import { log, pushAlerts, pushFiringWith, pushNotificationOf, useReceivers } from '../../support/channel-fixtures.js';

const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';
const receiver = useReceivers();

/** The channel as the configuration file would give it, defaults filled in by the schema. */
function channel(url: string, fields: Record<string, unknown> = {}) {
  return pagerduty.schema.parse({ id: 'pd-ops', type: 'pagerduty', url, routingKey: ROUTING_KEY, timeout: '2s', ...fields });
}

const firing = pushFiringWith('critical');
const { resolved } = pushAlerts;

function withLabels(labels: Record<string, string>, annotations: Record<string, string> = {}): AlertEvent {
  return { ...firing, labels, annotations };
}

async function triggerPayload(alert: AlertEvent, fields: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const pd = await receiver(() => ({ status: 202 }));
  await pagerduty.send(channel(pd.url, fields), pushNotificationOf(alert), { log });
  return pd.bodies()[0]!.payload as Record<string, unknown>;
}

describe('the pagerduty channel', () => {
  it('sends one Events API v2 event per alert: a trigger for the firing one, a resolve for the resolved one', async () => {
    const pd = await receiver(() => ({ status: 202, body: '{"status":"success","message":"Event processed"}' }));
    await pagerduty.send(channel(`http://127.0.0.1:${pd.port}/v2/enqueue`), pushNotificationOf(firing, resolved), { log });

    expect(pd.requests.map(({ method, path }) => ({ method, path }))).toEqual([
      { method: 'POST', path: '/v2/enqueue' },
      { method: 'POST', path: '/v2/enqueue' },
    ]);
    expect(pd.requests[0]?.headers).toMatchObject({ 'content-type': 'application/json', 'user-agent': USER_AGENT });
    expect(pd.bodies()).toEqual([
      {
        routing_key: ROUTING_KEY,
        event_action: 'trigger',
        dedup_key: 'fp-firing',
        payload: {
          summary: 'shop-api is down from 2 regions',
          source: 'shop-api',
          severity: 'critical',
          timestamp: '2025-03-01T10:00:00.000Z',
          class: 'CheckDown',
          custom_details: {
            labels: { alertname: 'CheckDown', check: 'shop-api', severity: 'critical' },
            annotations: { summary: 'shop-api is down from 2 regions' },
          },
        },
        client: 'Vigil',
        client_url: 'https://vigil.example.com',
      },
      { routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: 'fp-resolved' },
    ]);
  });

  it('resolves with PagerDuty\'s answer, for the delivery log', async () => {
    const pd = await receiver(() => ({ status: 202, body: '{"status":"success","dedup_key":"fp-firing"}' }));
    await expect(pagerduty.send(channel(pd.url), pushNotificationOf(firing), { log })).resolves.toEqual({ status: 202, body: '{"status":"success","dedup_key":"fp-firing"}' });
  });

  it('summarises an alert without a summary annotation by its alertname and check', async () => {
    const payload = await triggerPayload(withLabels({ alertname: 'CertExpiring', check: 'shop-tls' }));
    expect(payload).toMatchObject({ summary: 'CertExpiring: shop-tls', source: 'shop-tls' });
  });

  it('names "vigil" as the source of an alert without a check label', async () => {
    const payload = await triggerPayload(withLabels({ alertname: 'WatchStale' }));
    expect(payload).toMatchObject({ summary: 'WatchStale', source: 'vigil' });
  });

  it('renders custom summary, source, component and group templates over the one alert', async () => {
    const payload = await triggerPayload(withLabels({ alertname: 'CheckDown', check: 'shop-api', team: 'payments', region: 'eu' }), {
      summary: '{{ labels.check }} down ({{ statusText }}) · {{ externalURL }}',
      source: 'probe-{{ labels.region }}',
      component: '{{ labels.check }}',
      group: '{{ labels.team }}',
    });
    expect(payload).toMatchObject({ summary: 'shop-api down (FIRING) · https://vigil.example.com', source: 'probe-eu', component: 'shop-api', group: 'payments' });
  });

  it('leaves component and group out when their template renders nothing', async () => {
    const payload = await triggerPayload(firing, { component: '{{ labels.component }}', group: '{{ labels.team }}' });
    expect(payload).not.toHaveProperty('component');
    expect(payload).not.toHaveProperty('group');
  });

  it('cuts a summary longer than PagerDuty accepts to 1024 characters ending in "…"', async () => {
    const payload = await triggerPayload(withLabels({ alertname: 'CheckDown' }, { summary: 'x'.repeat(5_000) }));
    const summary = payload.summary as string;
    expect(summary).toHaveLength(1_024);
    expect(summary.endsWith('x…')).toBe(true);
  });

  it('keeps label values with markup, quotes and newlines exactly as they are', async () => {
    const risky = 'shop "api" <script>alert(1)</script>\nline & more';
    const payload = await triggerPayload(withLabels({ alertname: 'CheckDown', check: risky }));
    expect(payload).toMatchObject({ summary: `CheckDown: ${risky}`, source: risky, custom_details: { labels: { check: risky } } });
  });

  it.each([
    ['critical', 'critical'],
    ['page', 'critical'],
    ['error', 'error'],
    ['Warning', 'warning'],
    ['info', 'info'],
    ['high', 'info'],
    [undefined, 'info'],
  ] as const)('maps a severity label of %s to PagerDuty severity %s (configured default: info)', async (label, expected) => {
    const labels: Record<string, string> = { alertname: 'CheckDown', check: 'shop-api', ...(label === undefined ? {} : { severity: label }) };
    const payload = await triggerPayload(withLabels(labels), { severity: 'info' });
    expect(payload.severity).toBe(expected);
  });

  it('uses severity "error" for alerts without a known severity when none is configured', async () => {
    const payload = await triggerPayload(withLabels({ alertname: 'CheckDown' }));
    expect(payload.severity).toBe('error');
  });
});

describe('the pagerduty channel, when PagerDuty refuses or is unavailable', () => {
  it('gives up on HTTP 400 (an invalid event), naming the channel and PagerDuty\'s reason', async () => {
    const pd = await receiver(() => ({ status: 400, body: '{"status":"invalid event","errors":["\'routing_key\' is invalid"]}' }));
    const failure = await pagerduty.send(channel(pd.url), pushNotificationOf(firing), { log }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ChannelPermanentError);
    expect(failure).toMatchObject({ status: 400, channelId: 'pd-ops' });
    expect((failure as Error).message).toContain('pagerduty channel "pd-ops"');
    expect((failure as Error).message).toContain('invalid event');
  });

  it.each([429, 500, 502, 503])('asks for a retry on HTTP %i', async (status) => {
    const pd = await receiver(() => ({ status }));
    const failure = await pagerduty.send(channel(pd.url), pushNotificationOf(firing), { log }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ChannelRetryableError);
    expect(failure).toMatchObject({ status });
  });

  it('passes on Retry-After of a 429', async () => {
    const pd = await receiver(() => ({ status: 429, headers: { 'retry-after': '30' } }));
    const failure = await pagerduty.send(channel(pd.url), pushNotificationOf(firing), { log }).catch((err: unknown) => err);
    expect(failure).toMatchObject({ status: 429, retryAfterMs: 30_000 });
  });

  it('fails the whole send when a later event fails, saying which one, so the retry sends them all again', async () => {
    const pd = await receiver((index) => ({ status: index === 1 ? 503 : 202 }));
    const failure = await pagerduty.send(channel(pd.url), pushNotificationOf(firing, resolved), { log }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ChannelRetryableError);
    expect((failure as Error).message).toContain('resolve event 2 of 2');

    await pagerduty.send(channel(pd.url), pushNotificationOf(firing, resolved), { log });
    expect(pd.bodies().map((body) => body.dedup_key)).toEqual(['fp-firing', 'fp-resolved', 'fp-firing', 'fp-resolved']);
  });

  it('stops at the first failed event instead of sending the rest', async () => {
    const pd = await receiver(() => ({ status: 400 }));
    await pagerduty.send(channel(pd.url), pushNotificationOf(firing, resolved), { log }).catch(() => undefined);
    expect(pd.requests).toHaveLength(1);
  });

  it('never puts the routing key in an error, refused or unreachable', async () => {
    const pd = await receiver(() => ({ status: 403, body: 'forbidden' }));
    const refused = await pagerduty.send(channel(pd.url), pushNotificationOf(firing), { log }).catch((err: unknown) => err);
    const unreachable = await pagerduty.send(channel(`http://127.0.0.1:${await freePort()}/v2/enqueue`), pushNotificationOf(firing), { log }).catch((err: unknown) => err);
    expect(unreachable).toBeInstanceOf(ChannelRetryableError);
    for (const failure of [refused, unreachable]) expect(inspect(failure, { depth: 10 })).not.toContain(ROUTING_KEY);
  });
});

describe('the pagerduty channel configuration', () => {
  it('fills in the Events API URL, severity "error", the default templates and a 10s timeout', () => {
    expect(pagerduty.schema.parse({ id: 'pd', type: 'pagerduty', routingKey: ROUTING_KEY })).toEqual({
      id: 'pd',
      type: 'pagerduty',
      url: PAGERDUTY_EVENTS_URL,
      routingKey: ROUTING_KEY,
      severity: 'error',
      summary: DEFAULT_SUMMARY_TEMPLATE,
      source: DEFAULT_SOURCE_TEMPLATE,
      timeoutMs: 10_000,
    });
  });

  it('rejects a severity PagerDuty does not know, listing the ones it does', () => {
    const result = pagerduty.schema.safeParse({ id: 'pd', type: 'pagerduty', routingKey: ROUTING_KEY, severity: 'high' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('expected one of "critical", "error", "warning", "info", got "high"');
  });

  it('requires a routing key', () => {
    expect(pagerduty.schema.safeParse({ id: 'pd', type: 'pagerduty' }).success).toBe(false);
  });

  it('rejects a routing key with spaces without repeating it', () => {
    const result = pagerduty.schema.safeParse({ id: 'pd', type: 'pagerduty', routingKey: 'secret key' });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).not.toContain('secret key');
  });

  it('rejects a summary template that does not parse', () => {
    expect(pagerduty.schema.safeParse({ id: 'pd', type: 'pagerduty', routingKey: ROUTING_KEY, summary: '{{#labels}}' }).success).toBe(false);
  });
});
