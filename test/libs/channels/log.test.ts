import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ChannelRetryableError, type Notification } from '../../../libs/channels/index.js';
import { log, type LogChannelConfig, type LoggedNotification } from '../../../libs/channels/log/index.js';

const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-log-channel-'));
  dirs.push(dir);
  return dir;
}

/** A pino logger at trace whose lines are parsed into `lines` as they are written. */
function capturedLogger(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { logger: pino({ level: 'trace', base: null, timestamp: false }, destination), lines };
}

function channel(fields: Record<string, unknown> = {}): LogChannelConfig {
  return log.schema.parse({ id: 'audit', type: 'log', ...fields });
}

const firing: Notification = {
  id: 'msg_0123456789abcdef',
  receiver: 'audit',
  groupKey: '{}:{check="shop-api"}',
  groupLabels: { check: 'shop-api' },
  alerts: [
    {
      fingerprint: 'f1',
      status: 'firing',
      labels: { alertname: 'CheckDown', check: 'shop-api', region: 'eu' },
      annotations: { summary: 'shop-api is down' },
      startsAt: '2025-03-01T10:00:00.000Z',
    },
    {
      fingerprint: 'f2',
      status: 'resolved',
      labels: { alertname: 'CheckDown', check: 'shop-api', region: 'us' },
      annotations: { summary: 'shop-api is down' },
      startsAt: '2025-03-01T09:00:00.000Z',
      endsAt: '2025-03-01T09:30:00.000Z',
    },
  ],
  externalURL: 'https://vigil.example',
};

const resolved: Notification = { ...firing, id: 'msg_resolved', alerts: [firing.alerts[1]!] };

describe('the log channel', () => {
  it('writes a firing notification as one warn line with its ids, status, fingerprints and message', async () => {
    const { logger, lines } = capturedLogger();
    await log.send(channel(), firing, { log: logger });

    expect(lines).toEqual([{
      level: 40,
      channelId: 'audit',
      notificationId: 'msg_0123456789abcdef',
      groupKey: '{}:{check="shop-api"}',
      groupLabels: { check: 'shop-api' },
      status: 'firing',
      fingerprints: ['f1', 'f2'],
      firingCount: 1,
      resolvedCount: 1,
      msg: '[FIRING:1] CheckDown shop-api\nfiring: CheckDown shop-api: shop-api is down\nresolved: CheckDown shop-api: shop-api is down',
    }]);
  });

  it('writes a resolved notification at info', async () => {
    const { logger, lines } = capturedLogger();
    await log.send(channel(), resolved, { log: logger });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, status: 'resolved', notificationId: 'msg_resolved', msg: '[RESOLVED:1] CheckDown shop-api\nresolved: CheckDown shop-api: shop-api is down' });
  });

  it('writes at the configured level whatever the status', async () => {
    const { logger, lines } = capturedLogger();
    await log.send(channel({ level: 'error' }), firing, { log: logger });
    await log.send(channel({ level: 'error' }), resolved, { log: logger });
    expect(lines.map((line) => line.level)).toEqual([50, 50]);
  });

  it('renders a custom message template, leaving values as they are', async () => {
    const { logger, lines } = capturedLogger();
    await log.send(channel({ message: '{{ statusText }} <{{ groupLabels.check }}> & {{ firingCount }} firing' }), firing, { log: logger });
    expect(lines[0]?.msg).toBe('FIRING <shop-api> & 1 firing');
  });

  it('never lets a label overwrite the fields of the line', async () => {
    const { logger, lines } = capturedLogger();
    const hostile: Notification = { ...firing, alerts: [{ ...firing.alerts[0]!, labels: { alertname: 'CheckDown', msg: 'forged', level: 'fatal', channelId: 'other', status: 'resolved' } }] };
    await log.send(channel(), hostile, { log: logger });
    expect(lines[0]).toMatchObject({ level: 40, channelId: 'audit', status: 'firing' });
    expect(lines[0]?.msg).not.toBe('forged');
    expect(lines[0]).not.toHaveProperty('labels');
    expect(lines[0]).not.toHaveProperty('region');
  });

  it('resolves with an empty answer when it only logs', async () => {
    const { logger } = capturedLogger();
    await expect(log.send(channel(), firing, { log: logger })).resolves.toEqual({});
  });
});

describe('the log channel with a file', () => {
  it('creates the file and appends each notification as one JSON line', async () => {
    const path = join(await tempDir(), 'notifications.jsonl');
    const { logger, lines } = capturedLogger();
    await log.send(channel({ path }), firing, { log: logger, now: new Date('2025-03-01T10:01:00Z') });
    await log.send(channel({ path }), resolved, { log: logger, now: new Date('2025-03-01T10:02:00Z') });

    const written = (await readFile(path, 'utf8')).split('\n');
    expect(written.at(-1)).toBe('');
    const entries = written.filter(Boolean).map((line) => JSON.parse(line) as LoggedNotification);
    expect(entries).toEqual([
      { id: 'msg_0123456789abcdef', at: '2025-03-01T10:01:00.000Z', channelId: 'audit', groupKey: firing.groupKey, groupLabels: { check: 'shop-api' }, status: 'firing', alerts: firing.alerts },
      { id: 'msg_resolved', at: '2025-03-01T10:02:00.000Z', channelId: 'audit', groupKey: firing.groupKey, groupLabels: { check: 'shop-api' }, status: 'resolved', alerts: resolved.alerts },
    ]);
    expect(lines).toHaveLength(2);
  });

  it('keeps a label value with a line break on its own line of the file', async () => {
    const path = join(await tempDir(), 'notifications.jsonl');
    const risky: Notification = { ...firing, alerts: [{ ...firing.alerts[0]!, labels: { alertname: 'CheckDown', check: 'shop\n{"id":"forged"}' } }] };
    await log.send(channel({ path }), risky, { log: capturedLogger().logger });
    const written = (await readFile(path, 'utf8')).split('\n').filter(Boolean);
    expect(written).toHaveLength(1);
    expect((JSON.parse(written[0]!) as LoggedNotification).alerts[0]?.labels.check).toBe('shop\n{"id":"forged"}');
  });

  it('appends to a file that already holds lines', async () => {
    const path = join(await tempDir(), 'notifications.jsonl');
    await log.send(channel({ path }), firing, { log: capturedLogger().logger });
    await log.send(channel({ path }), firing, { log: capturedLogger().logger });
    expect((await readFile(path, 'utf8')).split('\n').filter(Boolean)).toHaveLength(2);
  });

  it('asks for a retry, naming the channel and file, when the file cannot be written', async () => {
    const path = join(await tempDir(), 'missing-dir', 'notifications.jsonl');
    const failure = await log.send(channel({ path }), firing, { log: capturedLogger().logger }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ChannelRetryableError);
    expect(failure).toMatchObject({ code: 'CHANNEL_RETRYABLE', channelId: 'audit' });
    expect((failure as Error).message).toContain('log channel "audit"');
    expect((failure as Error).message).toContain('ENOENT');
    expect((failure as Error).message).toContain(path);
  });

  it('writes no log line for an attempt whose file write failed, so the retry does not repeat it', async () => {
    const path = join(await tempDir(), 'missing-dir', 'notifications.jsonl');
    const { logger, lines } = capturedLogger();
    await log.send(channel({ path }), firing, { log: logger }).catch(() => undefined);
    expect(lines).toEqual([]);
  });

  it('asks for a retry without writing when the send is already cancelled', async () => {
    const path = join(await tempDir(), 'notifications.jsonl');
    const controller = new AbortController();
    controller.abort();
    const failure = await log.send(channel({ path }), firing, { log: capturedLogger().logger, signal: controller.signal }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ChannelRetryableError);
    await expect(readFile(path, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('the log channel configuration', () => {
  it('fills in the default message and leaves the level to the status', () => {
    const config = log.schema.parse({ id: 'audit', type: 'log' });
    expect(config).toMatchObject({ id: 'audit', type: 'log', timeoutMs: 10_000 });
    expect(config.message).toContain('{{ title }}');
    expect(config.level).toBeUndefined();
    expect(config.path).toBeUndefined();
  });

  it.each([
    ['an unknown level', { level: 'loud' }, 'level'],
    ['a relative path', { path: 'notifications.jsonl' }, 'path'],
    ['a template that does not parse', { message: '{{#alerts}}' }, 'message'],
    ['an unknown key', { file: '/tmp/x' }, ''],
  ])('rejects %s', (_what, fields, path) => {
    const result = log.schema.safeParse({ id: 'audit', type: 'log', ...fields });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => String(issue.path[0] ?? ''))).toContain(path);
  });
});
