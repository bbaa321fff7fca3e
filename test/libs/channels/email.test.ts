import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SMTPServerOptions } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { ChannelPermanentError, ChannelRetryableError, type Notification } from '../../../libs/channels/index.js';
import { email, messageIdFor, type EmailChannelConfig } from '../../../libs/channels/email/index.js';
import { freePort } from '../../../scripts/local-stack/ports.js';
import { log } from '../../support/channel-fixtures.js';
import { startSmtpServer, type ReceivedMail, type TestSmtpServer } from '../../support/smtp-server.js';
import { startTcpServer, type TestTcpServer } from '../../support/tcp-servers.js';
import { makeCaAndServer, makeCertificate } from '../../support/tls-certs.js';

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function smtpServer(options: SMTPServerOptions = {}): Promise<TestSmtpServer> {
  const started = await startSmtpServer(options);
  cleanups.push(started.close);
  return started;
}

async function tcpServer(onConnection: Parameters<typeof startTcpServer>[0]): Promise<TestTcpServer> {
  const started = await startTcpServer(onConnection);
  cleanups.push(started.close);
  return started;
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-email-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** The configuration as the schema fills it in, for a channel at `port`. */
function channel(port: number, fields: Record<string, unknown> = {}): EmailChannelConfig {
  return email.schema.parse({
    id: 'ops-mail',
    type: 'email',
    host: '127.0.0.1',
    port,
    timeout: '2s',
    from: 'Vigil <vigil@example.com>',
    to: ['oncall@example.com', 'Team Lead <lead@example.com>'],
    ...fields,
  });
}

/** An SMTP refusal from a server hook: smtp-server answers with its responseCode. */
function refusal(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}

const notification: Notification = {
  id: 'msg_0123456789abcdef',
  receiver: 'ops-mail',
  groupKey: '{}:{check="shop-api"}',
  groupLabels: { check: 'shop-api' },
  alerts: [
    {
      fingerprint: 'f1',
      status: 'firing',
      labels: { alertname: 'CheckDown', check: 'shop-api' },
      annotations: { summary: 'shop-api is down' },
      startsAt: '2025-03-01T10:00:00.000Z',
    },
    {
      fingerprint: 'f2',
      status: 'resolved',
      labels: { alertname: 'CheckDown', check: 'shop-web' },
      annotations: { summary: 'shop-web is down' },
      startsAt: '2025-03-01T09:00:00.000Z',
      endsAt: '2025-03-01T09:30:00.000Z',
    },
  ],
  externalURL: 'https://vigil.example',
};

function withCheck(check: string): Notification {
  return { ...notification, alerts: [{ ...notification.alerts[0]!, labels: { alertname: 'CheckDown', check } }] };
}

async function failureOf(promise: Promise<unknown>): Promise<Error & { status?: number; body?: string; code?: string }> {
  const failure = await promise.then(() => undefined, (err: unknown) => err);
  expect(failure).toBeInstanceOf(Error);
  return failure as Error & { status?: number; body?: string };
}

describe('the email channel', () => {
  it('sends one message from the configured sender to every recipient, with a plain-text and an HTML part', async () => {
    const smtp = await smtpServer();
    const answer = await email.send(channel(smtp.port), notification, { log, now: new Date('2025-03-01T10:01:00Z') });

    expect(answer.status).toBe(250);
    expect(smtp.received).toHaveLength(1);
    const [{ envelope, mail }] = smtp.received as [ReceivedMail];
    expect(envelope).toEqual({ from: 'vigil@example.com', to: ['oncall@example.com', 'lead@example.com'] });
    expect(mail.from?.value).toEqual([{ name: 'Vigil', address: 'vigil@example.com' }]);
    expect((Array.isArray(mail.to) ? mail.to : [mail.to]).flatMap((to) => to?.value ?? [])).toEqual([
      { name: '', address: 'oncall@example.com' },
      { name: 'Team Lead', address: 'lead@example.com' },
    ]);
    expect(mail.subject).toBe('[FIRING:1] CheckDown shop-api');
    expect(mail.date?.toISOString()).toBe('2025-03-01T10:01:00.000Z');
    expect(mail.text).toContain('Firing:\n- CheckDown shop-api: shop-api is down (since 2025-03-01T10:00:00.000Z)');
    expect(mail.text).toContain('Resolved:\n- CheckDown shop-web: shop-web is down (at 2025-03-01T09:30:00.000Z)');
    expect(mail.text).toContain('https://vigil.example');
    expect(mail.html).toContain('<h2>[FIRING:1] CheckDown shop-api</h2>');
    expect(mail.html).toContain('<li><strong>CheckDown</strong> shop-api: shop-api is down');
    expect(mail.html).toContain('<a href="https://vigil.example">');
  });

  it('derives the Message-ID from the notification id, so a notification sent again carries the same one', async () => {
    const smtp = await smtpServer();
    await email.send(channel(smtp.port), notification, { log });
    await email.send(channel(smtp.port), notification, { log });

    const [first, second] = smtp.received;
    expect(first?.mail.messageId).toBe('<msg_0123456789abcdef@vigil>');
    expect(second?.mail.messageId).toBe(first?.mail.messageId);
    expect(first?.mail.headers.get('x-vigil-notification-id')).toBe('msg_0123456789abcdef');
  });

  it('keeps characters a Message-ID cannot hold out of it, without two ids sharing one', () => {
    expect(messageIdFor('msg_abc')).toBe('<msg_abc@vigil>');
    expect(messageIdFor('a b<c>')).toBe('<a=20b=3Cc=3E@vigil>');
    expect(messageIdFor('a b')).not.toBe(messageIdFor('a_b'));
  });

  it('sends the configured extra headers', async () => {
    const smtp = await smtpServer();
    await email.send(channel(smtp.port, { headers: { 'X-Team': 'ops', 'Reply-To': 'ops@example.com' } }), notification, { log });
    const headers = smtp.received[0]!.mail.headers;
    expect(headers.get('x-team')).toBe('ops');
    expect(smtp.received[0]!.mail.replyTo?.value).toEqual([{ name: '', address: 'ops@example.com' }]);
  });

  it('uses custom subject, text and HTML templates', async () => {
    const smtp = await smtpServer();
    const config = channel(smtp.port, {
      subject: '{{ statusText }}: {{ commonLabels.alertname }} ({{ firingCount }} down)',
      text: '{{#firing}}DOWN {{ labels.check }}\n{{/firing}}',
      html: '<p>{{#firing}}<b>{{ labels.check }}</b>{{/firing}}</p>',
    });
    await email.send(config, notification, { log });
    const { mail } = smtp.received[0]!;
    expect(mail.subject).toBe('FIRING: CheckDown (1 down)');
    expect(mail.text?.trim()).toBe('DOWN shop-api');
    expect(mail.html).toBe('<p><b>shop-api</b></p>');
  });

  it('escapes a label value in the HTML part, and leaves it as it is in the plain-text part', async () => {
    const smtp = await smtpServer();
    await email.send(channel(smtp.port), withCheck('<script>alert("x")</script> & co'), { log });
    const { mail } = smtp.received[0]!;
    expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co');
    expect(mail.html).not.toContain('<script>');
    expect(mail.text).toContain('<script>alert("x")</script> & co');
  });

  it('keeps the subject on one line when a label value holds a line break', async () => {
    const smtp = await smtpServer();
    await email.send(channel(smtp.port, { subject: 'down: {{#alerts}}{{ labels.check }}{{/alerts}}' }), withCheck('shop\r\nBcc: victim@example.com'), { log });
    const { mail, envelope } = smtp.received[0]!;
    expect(mail.subject).toBe('down: shop Bcc: victim@example.com');
    expect(mail.bcc).toBeUndefined();
    expect(envelope.to).toEqual(['oncall@example.com', 'lead@example.com']);
  });

  it('cuts an overlong subject with "…" rather than sending it whole', async () => {
    const smtp = await smtpServer();
    await email.send(channel(smtp.port, { subject: '{{#alerts}}{{ labels.check }}{{/alerts}}' }), withCheck('x'.repeat(1_000)), { log });
    const subject = smtp.received[0]!.mail.subject!;
    expect(subject.length).toBe(250);
    expect(subject.endsWith('…')).toBe(true);
  });

  it('logs in with the configured user and password', async () => {
    const smtp = await smtpServer({
      disabledCommands: ['STARTTLS'],
      authOptional: false,
      allowInsecureAuth: true,
      onAuth(auth, _session, callback) {
        if (auth.username === 'vigil' && auth.password === 's3cret-pass') callback(null, { user: auth.username });
        else callback(refusal(535, 'Authentication credentials invalid'));
      },
    });
    await email.send(channel(smtp.port, { auth: { user: 'vigil', pass: 's3cret-pass' } }), notification, { log });
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]?.user).toBe('vigil');
  });
});

describe('the email channel, when the server refuses', () => {
  it('gives up when the password is wrong, without putting the password in the error', async () => {
    const smtp = await smtpServer({
      disabledCommands: ['STARTTLS'],
      authOptional: false,
      allowInsecureAuth: true,
      onAuth(_auth, _session, callback) {
        callback(refusal(535, 'Authentication credentials invalid'));
      },
    });
    const secret = 'wr0ng-Pa55word';
    const failure = await failureOf(email.send(channel(smtp.port, { auth: { user: 'vigil', pass: secret } }), notification, { log }));

    expect(failure).toBeInstanceOf(ChannelPermanentError);
    expect(failure).toMatchObject({ status: 535, channelId: 'ops-mail' });
    expect(failure.message).toContain('email channel "ops-mail"');
    expect(failure.message).toContain('535');
    const everything = `${failure.message} ${failure.body ?? ''} ${JSON.stringify(failure)} ${String(failure.stack)}`;
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain(Buffer.from(secret).toString('base64'));
    expect(everything).not.toContain(Buffer.from(`\0vigil\0${secret}`).toString('base64'));
    expect(smtp.received).toHaveLength(0);
  });

  it('gives up when the server rejects the recipient with 550, keeping its answer', async () => {
    const smtp = await smtpServer({ onRcptTo: (_address, _session, callback) => callback(refusal(550, '5.1.1 Mailbox does not exist')) });
    const failure = await failureOf(email.send(channel(smtp.port), notification, { log }));

    expect(failure).toBeInstanceOf(ChannelPermanentError);
    expect(failure).toMatchObject({ code: 'CHANNEL_PERMANENT', status: 550 });
    expect(failure.body).toMatch(/^550 5\.1\.1 Mailbox does not exist/);
    expect(failure.message).toContain('ops-mail');
    expect(failure.message).toContain('Mailbox does not exist');
  });

  it.each([553, 554])('gives up on SMTP %i', async (responseCode) => {
    const smtp = await smtpServer({ onMailFrom: (_address, _session, callback) => callback(refusal(responseCode, 'Sender refused')) });
    const failure = await failureOf(email.send(channel(smtp.port), notification, { log }));
    expect(failure).toBeInstanceOf(ChannelPermanentError);
    expect(failure).toMatchObject({ status: responseCode });
  });

  it.each([421, 450, 451])('asks for a retry on SMTP %i', async (responseCode) => {
    const smtp = await smtpServer({ onMailFrom: (_address, _session, callback) => callback(refusal(responseCode, 'Try again later')) });
    const failure = await failureOf(email.send(channel(smtp.port), notification, { log }));
    expect(failure).toBeInstanceOf(ChannelRetryableError);
    expect(failure).toMatchObject({ code: 'CHANNEL_RETRYABLE', status: responseCode });
    expect(failure.body).toContain('Try again later');
  });

  it('asks for a retry when the server answers 451 to the message itself', async () => {
    const smtp = await smtpServer({
      onData(stream, _session, callback) {
        stream.resume();
        stream.on('end', () => callback(refusal(451, '4.3.0 Local error in processing')));
      },
    });
    const failure = await failureOf(email.send(channel(smtp.port), notification, { log }));
    expect(failure).toBeInstanceOf(ChannelRetryableError);
    expect(failure).toMatchObject({ status: 451 });
    expect(failure.message).toContain('Local error in processing');
  });

  it('delivers to the recipients the server accepts and names the ones it refused', async () => {
    const smtp = await smtpServer({
      onRcptTo: (address, _session, callback) => callback(address.address === 'lead@example.com' ? refusal(550, 'No such user') : null),
    });
    const answer = await email.send(channel(smtp.port), notification, { log });
    expect(smtp.received.map((item) => item.envelope.to)).toEqual([['oncall@example.com']]);
    expect(answer.body).toContain('lead@example.com');
  });

  it('asks for a retry when nothing listens at the address', async () => {
    const failure = await failureOf(email.send(channel(await freePort()), notification, { log }));
    expect(failure).toBeInstanceOf(ChannelRetryableError);
    expect(failure.message).toContain('ECONNREFUSED');
    expect(failure.message).toContain('email channel "ops-mail"');
  });

  it('asks for a retry when the server does not greet within the channel timeout', async () => {
    const silent = await tcpServer(() => undefined);
    const started = Date.now();
    const failure = await failureOf(email.send(channel(silent.port, { timeout: '300ms' }), notification, { log }));
    expect(failure).toBeInstanceOf(ChannelRetryableError);
    expect(failure.message).toContain('300ms');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('asks for a retry when the send is cancelled', async () => {
    const silent = await tcpServer(() => undefined);
    const controller = new AbortController();
    const sending = email.send(channel(silent.port), notification, { log, signal: controller.signal });
    controller.abort();
    const failure = await failureOf(sending);
    expect(failure).toBeInstanceOf(ChannelRetryableError);
    expect(failure.message).toContain('cancelled');
  });
});

describe('the email channel over TLS', () => {
  it('upgrades with STARTTLS, trusting the CA file it is given', async () => {
    const { ca, server } = await makeCaAndServer();
    const dir = await tempDir();
    const caPath = join(dir, 'ca.pem');
    await writeFile(caPath, ca.cert);
    const smtp = await smtpServer({ disabledCommands: ['AUTH'], key: server.key, cert: server.cert });

    await email.send(channel(smtp.port, { requireTLS: true, tls: { ca: caPath } }), notification, { log });
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]?.secure).toBe(true);
  });

  it('refuses to send in the clear when requireTLS is set and the server offers no STARTTLS', async () => {
    const smtp = await smtpServer();
    const failure = await failureOf(email.send(channel(smtp.port, { requireTLS: true }), notification, { log }));
    expect(failure).toBeInstanceOf(ChannelPermanentError);
    expect(failure.message).toContain('email channel "ops-mail"');
    expect(failure.message).toContain('STARTTLS');
    expect(smtp.received).toHaveLength(0);
  });

  it('connects with implicit TLS when secure is set, accepting a self-signed certificate only with verify off', async () => {
    const self = await makeCertificate();
    const smtp = await smtpServer({ secure: true, key: self.key, cert: self.cert });

    const refused = await failureOf(email.send(channel(smtp.port, { secure: true }), notification, { log }));
    expect(refused).toBeInstanceOf(ChannelRetryableError);
    expect(smtp.received).toHaveLength(0);

    await email.send(channel(smtp.port, { secure: true, tls: { verify: false } }), notification, { log });
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]?.secure).toBe(true);
  });

  it('asks for a retry, naming the file, when the CA file cannot be read', async () => {
    const dir = await tempDir();
    const smtp = await smtpServer();
    const failure = await failureOf(email.send(channel(smtp.port, { tls: { ca: join(dir, 'missing.pem') } }), notification, { log }));
    expect(failure).toBeInstanceOf(ChannelRetryableError);
    expect(failure.message).toContain('missing.pem');
    expect(failure.message).toContain('ENOENT');
  });
});

describe('the email channel configuration', () => {
  const minimal = { id: 'ops-mail', type: 'email', host: 'smtp.example.com', from: 'vigil@example.com', to: ['ops@example.com'] };

  it('fills in port 587 with STARTTLS when offered, certificate checks, the title as subject and both parts', () => {
    const config = email.schema.parse(minimal);
    expect(config).toMatchObject({ port: 587, secure: false, requireTLS: false, tls: { verify: true }, subject: '{{ title }}', headers: {}, timeoutMs: 10_000 });
    expect(config.text).toContain('{{ title }}');
    expect(config.html).toContain('<h2>{{ title }}</h2>');
    expect(config.auth).toBeUndefined();
  });

  it('defaults to port 465 with implicit TLS, and takes a port given as text', () => {
    expect(email.schema.parse({ ...minimal, secure: true }).port).toBe(465);
    expect(email.schema.parse({ ...minimal, port: '2525' }).port).toBe(2525);
  });

  it.each([
    ['a sender without an address', { from: 'vigil' }, 'from'],
    ['no recipients', { to: [] }, 'to'],
    ['a recipient with a line break', { to: ['ops@example.com\r\nBcc: x@example.com'] }, 'to'],
    ['a header the channel sets itself', { headers: { 'Message-ID': '<x@y>' } }, 'headers'],
    ['a header value with a line break', { headers: { 'X-Team': 'ops\r\nBcc: x@example.com' } }, 'headers'],
    ['a relative CA path', { tls: { ca: 'certs/ca.pem' } }, 'tls'],
    ['auth without a password', { auth: { user: 'vigil' } }, 'auth'],
    ['a template that does not parse', { subject: '{{#alerts}}' }, 'subject'],
    ['an unknown key', { smtpHost: 'x' }, ''],
  ])('rejects %s', (_what, fields, path) => {
    const result = email.schema.safeParse({ ...minimal, ...fields });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => String(issue.path[0] ?? ''))).toContain(path);
  });

  it('accepts CA certificates as PEM text', () => {
    expect(email.schema.safeParse({ ...minimal, tls: { ca: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----' } }).success).toBe(true);
  });
});
