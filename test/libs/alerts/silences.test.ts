import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseMatchers } from '../../../libs/alerts/matchers.js';
import {
  activeSilences, createSilence, expireSilence, listSilences, SILENCE_RETENTION_MS, SilenceError, silenceStatus, silencesMuting,
  type Silence, type SilenceInput,
} from '../../../libs/alerts/silences.js';
import { REDIS_KEYS } from '../../../libs/redis-keys.js';
import { isolatedRedisUrl } from '../../support/infra.js';

const HOUR = 3_600_000;
const NOW = new Date('2025-06-01T12:00:00.000Z');

function at(offsetMs: number): Date {
  return new Date(NOW.getTime() + offsetMs);
}

function silence(matchers: string, startsAt: Date, endsAt: Date, id = 'id'): Silence {
  return {
    id, matchers: parseMatchers(matchers), startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString(),
    createdBy: 'ann', comment: 'deploy', createdAt: NOW.toISOString(), notifyResolved: false,
  };
}

function input(overrides: Partial<SilenceInput> = {}): SilenceInput {
  return { matchers: parseMatchers('check=shop-api'), durationMs: HOUR, createdBy: 'ann', comment: 'deploy', ...overrides };
}

describe('silence status', () => {
  const oneHour = { startsAt: NOW.toISOString(), endsAt: at(HOUR).toISOString() };

  it.each([
    { when: 'before it starts', now: at(-1), status: 'pending' },
    { when: 'at its start', now: at(0), status: 'active' },
    { when: 'while it runs', now: at(HOUR / 2), status: 'active' },
    { when: 'at its end', now: at(HOUR), status: 'expired' },
    { when: 'after its end', now: at(2 * HOUR), status: 'expired' },
  ])('is $status $when', ({ now, status }) => {
    expect(silenceStatus(oneHour, now)).toBe(status);
  });
});

describe('which silences mute an alert', () => {
  const silences = [
    silence('check=shop-api', at(-HOUR), at(HOUR), 'shop'),
    silence('severity=~"critical|page", team!=infra', at(-HOUR), at(HOUR), 'pages'),
    silence('check=later', at(HOUR), at(2 * HOUR), 'pending'),
    silence('check=earlier', at(-2 * HOUR), at(-HOUR), 'expired'),
  ];

  it.each<{ labels: Record<string, string>; muting: string[] }>([
    { labels: { check: 'shop-api' }, muting: ['shop'] },
    { labels: { check: 'shop-api', severity: 'page' }, muting: ['shop', 'pages'] },
    { labels: { check: 'db', severity: 'critical', team: 'infra' }, muting: [] },
    { labels: { check: 'db', severity: 'warning' }, muting: [] },
    { labels: { check: 'later' }, muting: [] },
    { labels: { check: 'earlier' }, muting: [] },
  ])('an alert labelled $labels is muted by $muting', ({ labels, muting }) => {
    expect(silencesMuting(silences, labels, NOW).map((found) => found.id)).toEqual(muting);
  });
});

describe('silences in Redis', () => {
  let redis: Redis;

  beforeAll(async () => {
    redis = new Redis(await isolatedRedisUrl());
  });
  beforeEach(async () => {
    await redis.flushdb();
  });
  afterAll(() => redis.quit());

  it('stores a new silence under a 128-bit random id', async () => {
    const created = await createSilence(redis, input({ notifyResolved: true }), NOW);
    expect(created).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{32}$/), matchers: [{ name: 'check', operator: '=', value: 'shop-api' }],
      startsAt: NOW.toISOString(), endsAt: at(HOUR).toISOString(), createdBy: 'ann', comment: 'deploy', createdAt: NOW.toISOString(), notifyResolved: true,
    });
    expect(JSON.parse((await redis.hget(REDIS_KEYS.silences, created.id))!)).toEqual(created);
  });

  it('gives every silence its own id', async () => {
    const [first, second] = await Promise.all([createSilence(redis, input(), NOW), createSilence(redis, input(), NOW)]);
    expect(first.id).not.toBe(second.id);
  });

  it('runs a silence with a start and an end between them', async () => {
    const created = await createSilence(redis, input({ durationMs: undefined, startsAt: at(HOUR), endsAt: at(3 * HOUR) }), NOW);
    expect(created).toMatchObject({ startsAt: at(HOUR).toISOString(), endsAt: at(3 * HOUR).toISOString() });
  });

  it('counts a duration from the start', async () => {
    const created = await createSilence(redis, input({ startsAt: at(HOUR), durationMs: 2 * HOUR }), NOW);
    expect(created.endsAt).toBe(at(3 * HOUR).toISOString());
  });

  it('starts a silence asked to start in the past now', async () => {
    const created = await createSilence(redis, input({ startsAt: at(-HOUR), durationMs: 2 * HOUR }), NOW);
    expect(created).toMatchObject({ startsAt: NOW.toISOString(), endsAt: at(HOUR).toISOString() });
  });

  it.each([
    { problem: 'no matcher', change: { matchers: [] }, message: /at least one matcher/ },
    { problem: 'only matchers that match every alert', change: { matchers: parseMatchers('team=~".*", env!=prod') }, message: /does not match the empty string/ },
    { problem: 'an invalid regex', change: { matchers: [{ name: 'a', operator: '=~' as const, value: '(' }] }, message: /does not compile/ },
    { problem: 'an invalid label name', change: { matchers: [{ name: '1a', operator: '=' as const, value: 'x' }] }, message: /expected a matcher/ },
    { problem: 'too many matchers', change: { matchers: parseMatchers(Array.from({ length: 33 }, (_, index) => `l${index}=x`).join(',')) }, message: /at most 32 matchers/ },
    { problem: 'a huge matcher value', change: { matchers: [{ name: 'a', operator: '=' as const, value: 'x'.repeat(1_025) }] }, message: /at most 1024 characters/ },
    { problem: 'both an end and a duration', change: { endsAt: at(HOUR) }, message: /exactly one of endsAt and durationMs/ },
    { problem: 'neither an end nor a duration', change: { durationMs: undefined }, message: /exactly one of endsAt and durationMs/ },
    { problem: 'a zero duration', change: { durationMs: 0 }, message: /durationMs must be a positive number/ },
    { problem: 'an end before its start', change: { durationMs: undefined, startsAt: at(2 * HOUR), endsAt: at(HOUR) }, message: /must be after startsAt/ },
    { problem: 'an end in the past', change: { durationMs: undefined, startsAt: at(-2 * HOUR), endsAt: at(-HOUR) }, message: /not in the future/ },
    { problem: 'an invalid end', change: { durationMs: undefined, endsAt: new Date(Number.NaN) }, message: /endsAt is not a valid time/ },
    { problem: 'no author', change: { createdBy: '  ' }, message: /createdBy must not be empty/ },
    { problem: 'no comment', change: { comment: '' }, message: /comment must not be empty/ },
    { problem: 'a huge comment', change: { comment: 'x'.repeat(4_097) }, message: /comment holds at most 4096 characters/ },
  ])('refuses a silence with $problem', async ({ change, message }) => {
    const attempt = createSilence(redis, input(change), NOW);
    await expect(attempt).rejects.toThrow(SilenceError);
    await expect(attempt).rejects.toMatchObject({ code: 'VIGIL_SILENCE_INVALID', message: expect.stringMatching(message) });
    expect(await redis.hlen(REDIS_KEYS.silences)).toBe(0);
  });

  it('expires a silence by ending it now, keeping it', async () => {
    const created = await createSilence(redis, input(), NOW);
    const expired = await expireSilence(redis, created.id, at(HOUR / 2));
    expect(expired).toEqual({ ...created, endsAt: at(HOUR / 2).toISOString(), updatedAt: at(HOUR / 2).toISOString() });
    expect(await listSilences(redis, { includeExpired: true }, at(HOUR / 2))).toEqual([expired]);
  });

  it('expires a pending silence so that it never was in effect', async () => {
    const created = await createSilence(redis, input({ startsAt: at(HOUR) }), NOW);
    const expired = await expireSilence(redis, created.id, NOW);
    expect(expired).toMatchObject({ startsAt: NOW.toISOString(), endsAt: NOW.toISOString() });
  });

  it('says so when expiring an unknown silence', async () => {
    await expect(expireSilence(redis, 'nope', NOW)).rejects.toMatchObject({ name: 'SilenceError', code: 'VIGIL_SILENCE_NOT_FOUND', message: 'no silence has the id "nope"' });
  });

  it('says so when expiring a silence that already expired', async () => {
    const created = await createSilence(redis, input(), NOW);
    await expect(expireSilence(redis, created.id, at(2 * HOUR))).rejects.toMatchObject({ code: 'VIGIL_SILENCE_EXPIRED', message: expect.stringMatching(/already expired/) });
  });

  it('lists active silences soonest to end first, then pending ones, then (when asked) expired ones', async () => {
    const longer = await createSilence(redis, input({ durationMs: 3 * HOUR }), NOW);
    const shorter = await createSilence(redis, input({ durationMs: HOUR }), NOW);
    const pending = await createSilence(redis, input({ startsAt: at(HOUR) }), NOW);
    const expired = await expireSilence(redis, (await createSilence(redis, input(), at(-HOUR / 2))).id, at(-HOUR / 4));
    const ids = (silences: Silence[]) => silences.map((found) => found.id);
    expect(ids(await listSilences(redis, {}, NOW))).toEqual([shorter.id, longer.id, pending.id]);
    expect(ids(await listSilences(redis, { includeExpired: true }, NOW))).toEqual([shorter.id, longer.id, pending.id, expired.id]);
  });

  it('deletes expired silences once their retention has passed', async () => {
    const created = await createSilence(redis, input(), NOW);
    const ended = at(HOUR);
    expect(await listSilences(redis, { includeExpired: true }, new Date(ended.getTime() + SILENCE_RETENTION_MS - 1))).toHaveLength(1);
    expect(await listSilences(redis, { includeExpired: true }, new Date(ended.getTime() + SILENCE_RETENTION_MS))).toEqual([]);
    expect(await redis.hexists(REDIS_KEYS.silences, created.id)).toBe(0);
  });

  it('gives the notifier only the silences in effect now', async () => {
    const active = await createSilence(redis, input(), NOW);
    await createSilence(redis, input({ startsAt: at(HOUR) }), NOW);
    expect(await activeSilences(redis, NOW)).toEqual([active]);
  });

  it('ignores a stored entry that is not a silence', async () => {
    const active = await createSilence(redis, input(), NOW);
    await redis.hset(REDIS_KEYS.silences, 'broken', '{"id":"broken"}', 'garbage', 'not json');
    expect(await activeSilences(redis, NOW)).toEqual([active]);
  });
});
