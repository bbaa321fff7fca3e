import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ChannelPermanentError, ChannelRetryableError } from '../../../libs/channels/errors.js';
import { USER_AGENT } from '../../../libs/channels/http.js';
import { DEFAULT_MESSAGE_TEMPLATE, DEFAULT_TITLE_TEMPLATE, ntfy, NTFY_URL } from '../../../libs/channels/ntfy/index.js';
import type { Notification } from '../../../libs/channels/types.js';
import type { AlertEvent } from '../../../libs/queues/index.js';
import { freePort } from '../../../scripts/local-stack/ports.js';
import { log, pushAlerts, pushFiringWith, pushNotificationOf, useReceivers } from '../../support/channel-fixtures.js';
import type { RecordingReceiver } from '../../support/recording-receiver.js';

const TOKEN = 'tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2';
const PASSWORD = 'pa55-w0rd-s3cret';
const receiver = useReceivers(() => ({ status: 200, body: '{"id":"sPs0XlO1","event":"message"}' }));

const serverRoot = (server: RecordingReceiver): string => `http://127.0.0.1:${server.port}`;

/** The channel as the configuration file would give it, defaults filled in by the schema. */
function channel(url: string, fields: Record<string, unknown> = {}) {
  return ntfy.schema.parse({ id: 'phone', type: 'ntfy', url, topic: 'vigil-ops', timeout: '2s', ...fields });
}

const firing = pushFiringWith('warning');
const { resolved } = pushAlerts;

function withSeverity(severity: string | undefined): AlertEvent {
  const { severity: _ignored, ...labels } = firing.labels;
  return { ...firing, labels: severity === undefined ? labels : { ...labels, severity } };
}

async function sent(notification: Notification, fields: Record<string, unknown> = {}): Promise<{ body: Record<string, unknown>; headers: Record<string, unknown> }> {
  const server = await receiver();
  await ntfy.send(channel(serverRoot(server), fields), notification, { log });
  return { body: server.bodies()[0]!, headers: server.requests[0]!.headers };
}

describe('the ntfy channel', () => {
  it('publishes one JSON message at the server root, naming the topic in the body', async () => {
    const server = await receiver();
    await ntfy.send(channel(serverRoot(server)), pushNotificationOf(firing, resolved), { log });

    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({ method: 'POST', path: '/' });
    expect(server.requests[0]?.headers).toMatchObject({ 'content-type': 'application/json', 'user-agent': USER_AGENT });
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
    expect(server.requests[0]?.body).toEqual({
      topic: 'vigil-ops',
      title: '[FIRING:1] CheckDown',
      message: 'CheckDown shop-api is firing: shop-api is down from 2 regions\nCheckDown shop-web is resolved',
      priority: 4,
      tags: ['rotating_light'],
      click: 'https://vigil.example.com',
    });
  });

  it('resolves with the server\'s answer, for the delivery log', async () => {
    const server = await receiver();
    await expect(ntfy.send(channel(serverRoot(server)), pushNotificationOf(firing), { log })).resolves.toEqual({ status: 200, body: '{"id":"sPs0XlO1","event":"message"}' });
  });

  it('marks a notification of resolved alerts with a check mark and low priority', async () => {
    const { body } = await sent(pushNotificationOf(resolved), { tags: ['vigil'] });
    expect(body).toMatchObject({ title: '[RESOLVED:1] CheckDown', priority: 2, tags: ['white_check_mark', 'vigil'] });
  });

  it('adds the configured tags after the status tag', async () => {
    const { body } = await sent(pushNotificationOf(firing), { tags: ['prod', 'shop'] });
    expect(body.tags).toEqual(['rotating_light', 'prod', 'shop']);
  });

  it('renders custom title and message templates as plain text', async () => {
    const { body } = await sent(pushNotificationOf(firing), { title: '{{ firingCount }} down', message: '{{#firing}}{{ labels.check }} since {{ startsAt }}{{/firing}}' });
    expect(body).toMatchObject({ title: '1 down', message: 'shop-api since 2025-03-01T10:00:00.000Z' });
  });

  it('keeps label values with markup, quotes and newlines exactly as they are', async () => {
    const risky = 'shop "api" <script>alert(1)</script> & \'x\'\nline';
    const { body } = await sent(pushNotificationOf({ ...firing, labels: { ...firing.labels, check: risky } }), { message: '{{#alerts}}{{ labels.check }}{{/alerts}}' });
    expect(body.message).toBe(risky);
  });

  it('leaves click out when Vigil has no external URL', async () => {
    const { body } = await sent({ ...pushNotificationOf(firing), externalURL: '' });
    expect(body).not.toHaveProperty('click');
  });

  it('cuts a message over 4096 bytes of UTF-8 without splitting a character, ending in "…"', async () => {
    const { body } = await sent(pushNotificationOf({ ...firing, annotations: { summary: 'é'.repeat(5_000) } }), { message: '{{#alerts}}{{ annotations.summary }}{{/alerts}}' });
    const message = body.message as string;
    expect(Buffer.byteLength(message, 'utf8')).toBeLessThanOrEqual(4_096);
    expect(message).toBe(`${'é'.repeat(2_046)}…`);
  });

  it.each([
    ['critical', 5],
    ['Warning', 4],
    ['info', 1],
    [undefined, 1],
  ] as const)('gives a firing alert with severity %s priority %i (configured default: 1)', async (severity, expected) => {
    const { body } = await sent(pushNotificationOf(withSeverity(severity)), { priority: 1 });
    expect(body.priority).toBe(expected);
  });

  it('gives a firing alert without a known severity priority 3 unless configured otherwise', async () => {
    const { body } = await sent(pushNotificationOf(withSeverity(undefined)));
    expect(body.priority).toBe(3);
  });

  it('takes the most urgent priority of the firing alerts in a group', async () => {
    const { body } = await sent(pushNotificationOf(withSeverity('warning'), { ...withSeverity('critical'), fingerprint: 'fp-2' }, resolved));
    expect(body.priority).toBe(5);
  });
});

describe('the ntfy channel, authenticating', () => {
  it('sends an access token as a bearer token', async () => {
    const { headers } = await sent(pushNotificationOf(firing), { token: TOKEN });
    expect(headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('sends a username and password as Basic authentication', async () => {
    const { headers } = await sent(pushNotificationOf(firing), { username: 'vigil', password: PASSWORD });
    expect(headers.authorization).toBe(`Basic ${Buffer.from(`vigil:${PASSWORD}`).toString('base64')}`);
  });

  it('never puts the token or password in an error, refused or unreachable', async () => {
    const server = await receiver(() => ({ status: 403, body: '{"code":40301,"http":403,"error":"forbidden"}' }));
    const failures = [
      await ntfy.send(channel(serverRoot(server), { token: TOKEN }), pushNotificationOf(firing), { log }).catch((err: unknown) => err),
      await ntfy.send(channel(serverRoot(server), { username: 'vigil', password: PASSWORD }), pushNotificationOf(firing), { log }).catch((err: unknown) => err),
      await ntfy.send(channel(`http://127.0.0.1:${await freePort()}`, { token: TOKEN }), pushNotificationOf(firing), { log }).catch((err: unknown) => err),
    ];
    expect(failures[2]).toBeInstanceOf(ChannelRetryableError);
    for (const failure of failures) {
      const shown = inspect(failure, { depth: 10 });
      expect(shown).not.toContain(TOKEN);
      expect(shown).not.toContain(PASSWORD);
      expect(shown).not.toContain(Buffer.from(`vigil:${PASSWORD}`).toString('base64'));
    }
  });
});

describe('the ntfy channel, when the server refuses or is unavailable', () => {
  it.each([400, 401, 403, 413])('gives up on HTTP %i, naming the channel and the server\'s reason', async (status) => {
    const server = await receiver(() => ({ status, body: `{"code":${status}01,"http":${status},"error":"refused for a reason"}` }));
    const failure = await ntfy.send(channel(serverRoot(server)), pushNotificationOf(firing), { log }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ChannelPermanentError);
    expect(failure).toMatchObject({ status, channelId: 'phone' });
    expect((failure as Error).message).toContain('ntfy channel "phone"');
    expect((failure as Error).message).toContain('refused for a reason');
  });

  it.each([429, 500, 503])('asks for a retry on HTTP %i', async (status) => {
    const server = await receiver(() => ({ status }));
    const failure = await ntfy.send(channel(serverRoot(server)), pushNotificationOf(firing), { log }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ChannelRetryableError);
    expect(failure).toMatchObject({ status });
  });

  it('passes on Retry-After of a 429', async () => {
    const server = await receiver(() => ({ status: 429, headers: { 'retry-after': '60' } }));
    const failure = await ntfy.send(channel(serverRoot(server)), pushNotificationOf(firing), { log }).catch((err: unknown) => err);
    expect(failure).toMatchObject({ status: 429, retryAfterMs: 60_000 });
  });
});

describe('the ntfy channel configuration', () => {
  it('fills in ntfy.sh, priority 3, no tags, the default templates and a 10s timeout', () => {
    expect(ntfy.schema.parse({ id: 'phone', type: 'ntfy', topic: 'vigil-ops' })).toEqual({
      id: 'phone',
      type: 'ntfy',
      url: NTFY_URL,
      topic: 'vigil-ops',
      title: DEFAULT_TITLE_TEMPLATE,
      message: DEFAULT_MESSAGE_TEMPLATE,
      priority: 3,
      tags: [],
      timeoutMs: 10_000,
    });
  });

  it('accepts a priority given as digits from the environment', () => {
    expect(ntfy.schema.parse({ id: 'phone', type: 'ntfy', topic: 'vigil-ops', priority: '5' }).priority).toBe(5);
  });

  it.each([0, 6, 'high'])('rejects a priority of %j', (priority) => {
    expect(ntfy.schema.safeParse({ id: 'phone', type: 'ntfy', topic: 'vigil-ops', priority }).success).toBe(false);
  });

  it.each(['', 'has space', 'a/b', 'x'.repeat(65)])('rejects the topic %j without repeating it', (topic) => {
    const result = ntfy.schema.safeParse({ id: 'phone', type: 'ntfy', topic });
    expect(result.success).toBe(false);
    if (topic !== '') expect(JSON.stringify(result.error?.issues)).not.toContain(topic);
  });

  it('rejects a token together with a username and password', () => {
    const result = ntfy.schema.safeParse({ id: 'phone', type: 'ntfy', topic: 'vigil-ops', token: TOKEN, username: 'vigil', password: PASSWORD });
    expect(result.error?.issues.map((issue) => issue.message)).toEqual(['expected either token or username and password, not both']);
  });

  it('rejects a username without a password', () => {
    const result = ntfy.schema.safeParse({ id: 'phone', type: 'ntfy', topic: 'vigil-ops', username: 'vigil' });
    expect(result.error?.issues).toMatchObject([{ path: ['password'], message: 'expected username and password together' }]);
  });
});
