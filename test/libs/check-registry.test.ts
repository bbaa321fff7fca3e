import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckCache, publishChecks, specHashOf } from '../../libs/check-registry.js';
import type { TcpCheckConfig } from '../../libs/config/index.js';
import { eventually, isolatedRedisUrl } from '../support/infra.js';

const tcp = (id: string, port: number): TcpCheckConfig => ({
  id, type: 'tcp', host: '127.0.0.1', port, intervalMs: 10_000, timeoutMs: 1_000, failureThreshold: 1, successThreshold: 1, labels: {}, regions: ['default'],
});

const entry = (check: TcpCheckConfig) => ({ id: check.id, specHash: specHashOf(check) });

/**
 * The probe worker's copy of the check registry, against a real Redis. What it reads is
 * counted with MONITOR on the real server: every command run on this test's database.
 */
describe('check cache', () => {
  let redis: Redis;
  let monitor: Redis;
  let db: string;
  /** Commands run on this test's database, as MONITOR reports them (lower-case name first). */
  let commands: string[][];

  beforeEach(async () => {
    const url = await isolatedRedisUrl();
    db = new URL(url).pathname.slice(1);
    redis = new Redis(url, { maxRetriesPerRequest: null });
    commands = [];
    monitor = await new Redis(url).monitor();
    monitor.on('monitor', (_time: string, args: string[], _source: string, database: string) => {
      if (database === db) commands.push([args[0]!.toLowerCase(), ...args.slice(1)]);
    });
  });
  afterEach(async () => {
    monitor.disconnect();
    await redis.quit();
  });

  /** Waits until MONITOR has reported a marker command sent after everything before it. */
  async function fence(): Promise<void> {
    const marker = randomBytes(6).toString('hex');
    await redis.echo(marker);
    await eventually('MONITOR to catch up', () => commands.some(([name, arg]) => name === 'echo' && arg === marker) || undefined, 5_000, 10);
  }

  /** The commands `work` sends, markers left out. */
  async function commandsDuring<T>(work: () => Promise<T>): Promise<{ value: T; sent: string[][] }> {
    await fence();
    const from = commands.length;
    const value = await work();
    await fence();
    return { value, sent: commands.slice(from).filter(([name]) => name !== 'echo') };
  }

  it('reads the checks of a slot with one HMGET the first time, and nothing the second time', async () => {
    const a = tcp('a', 1001);
    const b = tcp('b', 1002);
    await publishChecks(redis, [a, b]);
    const cache = new CheckCache(redis);

    const first = await commandsDuring(() => cache.resolve([entry(a), entry(b)]));
    expect(first.value).toEqual([a, b]);
    expect(first.sent).toEqual([['hmget', 'vigil:checks', 'a', 'b']]);

    const second = await commandsDuring(() => cache.resolve([entry(a), entry(b)]));
    expect(second.value).toEqual([a, b]);
    expect(second.sent).toEqual([]);
  });

  it('re-reads only a check whose spec hash changed, and returns its new definition', async () => {
    const a = tcp('a', 1001);
    const b = tcp('b', 1002);
    await publishChecks(redis, [a, b]);
    const cache = new CheckCache(redis);
    await cache.resolve([entry(a), entry(b)]);

    const moved = tcp('a', 2001);
    await publishChecks(redis, [moved, b]);
    const after = await commandsDuring(() => cache.resolve([entry(moved), entry(b)]));
    expect(after.value).toEqual([moved, b]);
    expect(after.sent).toEqual([['hmget', 'vigil:checks', 'a']]);
  });

  it('leaves out a check it has not cached that the registry no longer has, and keeps the others', async () => {
    const a = tcp('a', 1001);
    const b = tcp('b', 1002);
    const c = tcp('c', 1003);
    await publishChecks(redis, [a, c]);
    const cache = new CheckCache(redis);
    await cache.resolve([entry(a)]);

    // b was planned into the slot but is gone from the registry; a is cached, c is not yet.
    const { value, sent } = await commandsDuring(() => cache.resolve([entry(a), entry(b), entry(c)]));
    expect(value).toEqual([a, c]);
    expect(sent).toEqual([['hmget', 'vigil:checks', 'b', 'c']]);
  });
});
