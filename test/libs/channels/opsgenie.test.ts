import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ChannelPermanentError, ChannelRetryableError } from '../../../libs/channels/errors.js';
import { USER_AGENT } from '../../../libs/channels/http.js';
import {
  DEFAULT_DESCRIPTION_TEMPLATE,
  DEFAULT_MESSAGE_TEMPLATE,
  DEFAULT_NOTE_TEMPLATE,
  opsgenie,
  OPSGENIE_API_URL,
} from '../../../libs/channels/opsgenie/index.js';
import type { AlertEvent } from '../../../libs/queues/index.js';
import { freePort } from '../../../scripts/local-stack/ports.js';
import { log, pushAlerts, pushFiringWith, pushNotificationOf, useReceivers } from '../../support/channel-fixtures.js';
import type { RecordingReceiver } from '../../support/recording-receiver.js';

const API_KEY = 'eb243592-faa2-4ba2-a551q-1afdf565c889';
const receiver = useReceivers(() => ({ status: 202 }));

/** The channel as the configuration file would give it, defaults filled in by the schema. */
function channel(apiUrl: string, fields: Record<string, unknown> = {}) {
  return opsgenie.schema.parse({ id: 'og-ops', type: 'opsgenie', apiUrl, apiKey: API_KEY, timeout: '2s', ...fields });
}

const apiRoot = (og: RecordingReceiver): string => `http://127.0.0.1:${og.port}`;

/** A fingerprint with a slash and a space: the close URL must encode it. */
const firing: AlertEvent = { ...pushFiringWith('critical'), fingerprint: 'fp/firing 1' };
const { resolved } = pushAlerts;

function withLabels(labels: Record<string, string>, annotations: Record<string, string> = {}): AlertEvent {
  return { ...firing, labels, annotations };
}

async function createBody(alert: AlertEvent, fields: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const og = await receiver();
  await opsgenie.send(channel(apiRoot(og), fields), pushNotificationOf(alert), { log });
  return og.bodies()[0]!;
}

describe('the opsgenie channel', () => {
  it('creates an alert for the firing alert and closes the resolved one by its alias', async () => {
    const og = await receiver();
    await opsgenie.send(channel(`${apiRoot(og)}/`), pushNotificationOf(firing, resolved), { log });

    expect(og.requests.map(({ method, path }) => ({ method, path }))).toEqual([
      { method: 'POST', path: '/v2/alerts' },
      { method: 'POST', path: '/v2/alerts/fp-resolved/close?identifierType=alias' },
    ]);
    for (const request of og.requests) {
      expect(request.headers).toMatchObject({ authorization: `GenieKey ${API_KEY}`, 'content-type': 'application/json', 'user-agent': USER_AGENT });
    }
    expect(og.bodies()).toEqual([
      {
        message: 'CheckDown: shop-api',
        alias: 'fp/firing 1',
        description: 'shop-api is down from 2 regions\n\nFiring since 2025-03-01T10:00:00.000Z.\nVigil: https://vigil.example.com',
        priority: 'P1',
        tags: ['alertname:CheckDown', 'check:shop-api', 'severity:critical'],
        details: { alertname: 'CheckDown', check: 'shop-api', severity: 'critical' },
        source: 'Vigil',
        entity: 'shop-api',
      },
      { source: 'Vigil', note: 'Resolved by Vigil at 2025-03-01T10:05:00.000Z.' },
    ]);
  });

  it('URL-encodes the alias in the close request', async () => {
    const og = await receiver();
    await opsgenie.send(channel(apiRoot(og)), pushNotificationOf({ ...resolved, fingerprint: 'fp/firing 1' }), { log });
    expect(og.requests[0]?.path).toBe('/v2/alerts/fp%2Ffiring%201/close?identifierType=alias');
  });

  it('resolves with Opsgenie\'s answer, for the delivery log', async () => {
    const og = await receiver(() => ({ status: 202, body: '{"result":"Request will be processed","requestId":"43a29c5c"}' }));
    await expect(opsgenie.send(channel(apiRoot(og)), pushNotificationOf(firing), { log })).resolves.toEqual({ status: 202, body: '{"result":"Request will be processed","requestId":"43a29c5c"}' });
  });

  it('renders custom message, description and note templates over the one alert', async () => {
    const og = await receiver();
    await opsgenie.send(channel(apiRoot(og), {
      message: '[{{ statusText }}] {{ labels.check }}',
      description: '{{ annotations.summary }} (since {{ startsAt }})',
      note: '{{ labels.check }} recovered at {{ endsAt }}',
    }), pushNotificationOf(firing, resolved), { log });
    expect(og.bodies()[0]).toMatchObject({ message: '[FIRING] shop-api', description: 'shop-api is down from 2 regions (since 2025-03-01T10:00:00.000Z)' });
    expect(og.bodies()[1]).toEqual({ source: 'Vigil', note: 'shop-web recovered at 2025-03-01T10:05:00.000Z' });
  });

  it('adds the configured tags before the label tags', async () => {
    const body = await createBody(withLabels({ alertname: 'CheckDown' }), { tags: ['vigil', 'prod'] });
    expect(body.tags).toEqual(['vigil', 'prod', 'alertname:CheckDown']);
  });

  it('keeps tags within Opsgenie\'s limits: 20 tags of at most 50 characters', async () => {
    const labels = Object.fromEntries(Array.from({ length: 30 }, (_, index) => [`label${index}`, 'v'.repeat(index === 0 ? 100 : 1)]));
    const tags = (await createBody(withLabels(labels))).tags as string[];
    expect(tags).toHaveLength(20);
    expect(tags[0]).toBe(`label0:${'v'.repeat(42)}…`);
    expect(tags.every((tag) => tag.length <= 50)).toBe(true);
  });

  it('cuts a message longer than 130 characters and a description longer than 15000 with "…"', async () => {
    const body = await createBody(withLabels({ alertname: 'A'.repeat(300) }, { summary: 'd'.repeat(20_000) }));
    expect(body.message).toBe(`${'A'.repeat(129)}…`);
    expect((body.description as string)).toHaveLength(15_000);
    expect((body.description as string).endsWith('d…')).toBe(true);
  });

  it('keeps label values with markup, quotes and newlines exactly as they are', async () => {
    const risky = 'shop "api" <script>alert(1)</script>\nline';
    const body = await createBody(withLabels({ alertname: 'CheckDown', check: risky }));
    expect(body).toMatchObject({ message: `CheckDown: ${risky}`, entity: risky, details: { check: risky } });
  });

  it('leaves entity out of an alert without a check label', async () => {
    const body = await createBody(withLabels({ alertname: 'WatchStale' }));
    expect(body).not.toHaveProperty('entity');
    expect(body.message).toBe('WatchStale');
  });

  it.each([
    ['critical', 'P1'],
    ['Warning', 'P3'],
    ['info', 'P5'],
    ['error', 'P2'],
    [undefined, 'P2'],
  ] as const)('maps a severity label of %s to priority %s (configured default: P2)', async (label, expected) => {
    const labels: Record<string, string> = { alertname: 'CheckDown', ...(label === undefined ? {} : { severity: label }) };
    expect((await createBody(withLabels(labels), { priority: 'P2' })).priority).toBe(expected);
  });

  it('uses priority P3 when neither the severity label nor the configuration says otherwise', async () => {
    expect((await createBody(withLabels({ alertname: 'CheckDown' }))).priority).toBe('P3');
  });
});

describe('the opsgenie channel, when Opsgenie refuses or is unavailable', () => {
  it.each([400, 401, 403, 422])('gives up on HTTP %i, naming the channel and Opsgenie\'s reason', async (status) => {
    const og = await receiver(() => ({ status, body: '{"message":"Key format is not valid!"}' }));
    const failure = await opsgenie.send(channel(apiRoot(og)), pushNotificationOf(firing), { log }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ChannelPermanentError);
    expect(failure).toMatchObject({ status, channelId: 'og-ops' });
    expect((failure as Error).message).toContain('opsgenie channel "og-ops"');
    expect((failure as Error).message).toContain('Key format is not valid!');
  });

  it.each([429, 500, 503])('asks for a retry on HTTP %i', async (status) => {
    const og = await receiver(() => ({ status }));
    const failure = await opsgenie.send(channel(apiRoot(og)), pushNotificationOf(firing), { log }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ChannelRetryableError);
    expect(failure).toMatchObject({ status });
  });

  it('passes on Retry-After of a 429', async () => {
    const og = await receiver(() => ({ status: 429, headers: { 'retry-after': '12' } }));
    const failure = await opsgenie.send(channel(apiRoot(og)), pushNotificationOf(firing), { log }).catch((err: unknown) => err);
    expect(failure).toMatchObject({ status: 429, retryAfterMs: 12_000 });
  });

  it('fails the whole send when a later request fails, saying which one', async () => {
    const og = await receiver((index) => ({ status: index === 1 ? 500 : 202 }));
    const failure = await opsgenie.send(channel(apiRoot(og)), pushNotificationOf(firing, resolved), { log }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ChannelRetryableError);
    expect((failure as Error).message).toContain('close 2 of 2');
    expect(og.requests).toHaveLength(2);
  });

  it('never puts the API key in an error, refused or unreachable', async () => {
    const og = await receiver(() => ({ status: 401, body: '{"message":"Could not authenticate"}' }));
    const refused = await opsgenie.send(channel(apiRoot(og)), pushNotificationOf(firing), { log }).catch((err: unknown) => err);
    const unreachable = await opsgenie.send(channel(`http://127.0.0.1:${await freePort()}`), pushNotificationOf(firing), { log }).catch((err: unknown) => err);
    expect(unreachable).toBeInstanceOf(ChannelRetryableError);
    for (const failure of [refused, unreachable]) expect(inspect(failure, { depth: 10 })).not.toContain(API_KEY);
  });
});

describe('the opsgenie channel configuration', () => {
  it('fills in Opsgenie\'s API URL, priority P3, no tags, the default templates and a 10s timeout', () => {
    expect(opsgenie.schema.parse({ id: 'og', type: 'opsgenie', apiKey: API_KEY })).toEqual({
      id: 'og',
      type: 'opsgenie',
      apiUrl: OPSGENIE_API_URL,
      apiKey: API_KEY,
      priority: 'P3',
      tags: [],
      message: DEFAULT_MESSAGE_TEMPLATE,
      description: DEFAULT_DESCRIPTION_TEMPLATE,
      note: DEFAULT_NOTE_TEMPLATE,
      timeoutMs: 10_000,
    });
  });

  it('accepts the EU API URL', () => {
    expect(opsgenie.schema.parse({ id: 'og', type: 'opsgenie', apiKey: API_KEY, apiUrl: 'https://api.eu.opsgenie.com' }).apiUrl).toBe('https://api.eu.opsgenie.com');
  });

  it('rejects a priority outside P1..P5', () => {
    const result = opsgenie.schema.safeParse({ id: 'og', type: 'opsgenie', apiKey: API_KEY, priority: 'P0' });
    expect(result.error?.issues[0]?.message).toBe('expected one of "P1", "P2", "P3", "P4", "P5", got "P0"');
  });

  it('rejects a tag longer than Opsgenie keeps', () => {
    expect(opsgenie.schema.safeParse({ id: 'og', type: 'opsgenie', apiKey: API_KEY, tags: ['t'.repeat(51)] }).success).toBe(false);
  });

  it('rejects an API key with a line break without repeating it', () => {
    const result = opsgenie.schema.safeParse({ id: 'og', type: 'opsgenie', apiKey: 'secret\nX-Evil: 1' });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).not.toContain('secret');
  });
});
