import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  acknowledge, acknowledgementsOf, AckError, isAcknowledged, listAcknowledgements, removeAcknowledgements, type Acknowledgement,
} from '../../../libs/alerts/acks.js';
import { stageAlert } from '../../../libs/alerts/store.js';
import { REDIS_KEYS } from '../../../libs/redis-keys.js';
import { isolatedRedisUrl } from '../../support/infra.js';

const NOW = new Date('2025-06-01T12:00:00.000Z');
const OUTAGE = '2025-06-01T11:00:00.000Z';

const ack: Acknowledgement = { fingerprint: 'f1', startsAt: OUTAGE, by: 'ann', comment: '', at: NOW.toISOString() };

describe('whether an alert is acknowledged', () => {
  it.each([
    { when: 'the same outage', alert: { fingerprint: 'f1', startsAt: OUTAGE }, acknowledged: true },
    { when: 'the same outage written another way', alert: { fingerprint: 'f1', startsAt: '2025-06-01T11:00:00Z' }, acknowledged: true },
    { when: 'a new outage of the same alert', alert: { fingerprint: 'f1', startsAt: '2025-06-01T13:00:00.000Z' }, acknowledged: false },
    { when: 'another alert', alert: { fingerprint: 'f2', startsAt: OUTAGE }, acknowledged: false },
  ])('$acknowledged for $when', ({ alert, acknowledged }) => {
    expect(isAcknowledged(ack, alert)).toBe(acknowledged);
  });

  it('is not acknowledged without an acknowledgement', () => {
    expect(isAcknowledged(undefined, { fingerprint: 'f1', startsAt: OUTAGE })).toBe(false);
  });
});

describe('acknowledgements in Redis', () => {
  let redis: Redis;

  async function firing(fingerprint: string, check: string, region: string, startsAt = OUTAGE): Promise<void> {
    const transaction = redis.multi();
    stageAlert(transaction, {
      fingerprint, status: 'firing', labels: { alertname: 'CheckDown', check, region }, annotations: {}, startsAt,
    }, `${check}@${region}`, 'down');
    await transaction.exec();
  }

  beforeAll(async () => {
    redis = new Redis(await isolatedRedisUrl());
  });
  beforeEach(async () => {
    await redis.flushdb();
    await firing('f-eu', 'shop-api', 'eu');
    await firing('f-us', 'shop-api', 'us', '2025-06-01T11:30:00.000Z');
    await firing('f-db', 'db', 'eu');
  });
  afterAll(() => redis.quit());

  it('acknowledges one alert by its fingerprint, for its current outage', async () => {
    const written = await acknowledge(redis, { target: 'f-us', by: 'ann', comment: 'on it' }, NOW);
    const expected = { fingerprint: 'f-us', startsAt: '2025-06-01T11:30:00.000Z', by: 'ann', comment: 'on it', at: NOW.toISOString() };
    expect(written).toEqual([expected]);
    expect(JSON.parse((await redis.hget(REDIS_KEYS.acks, 'f-us'))!)).toEqual(expected);
  });

  it('acknowledges every firing alert of a check by its id', async () => {
    const written = await acknowledge(redis, { target: 'shop-api', by: 'ann' }, NOW);
    expect(written.map((entry) => entry.fingerprint)).toEqual(['f-eu', 'f-us']);
    expect(await redis.hkeys(REDIS_KEYS.acks)).toEqual(expect.arrayContaining(['f-eu', 'f-us']));
    expect(await redis.hexists(REDIS_KEYS.acks, 'f-db')).toBe(0);
  });

  it('replaces an acknowledgement given again with the latest one', async () => {
    await acknowledge(redis, { target: 'f-db', by: 'ann' }, NOW);
    await acknowledge(redis, { target: 'f-db', by: 'bob', comment: 'taking over' }, new Date(NOW.getTime() + 60_000));
    expect((await acknowledgementsOf(redis, ['f-db'])).get('f-db')).toMatchObject({ by: 'bob', comment: 'taking over' });
  });

  it('says so when nothing fires for the target', async () => {
    const attempt = acknowledge(redis, { target: 'unknown', by: 'ann' }, NOW);
    await expect(attempt).rejects.toThrow(AckError);
    await expect(attempt).rejects.toMatchObject({ code: 'VIGIL_ACK_NOT_FIRING', message: expect.stringMatching(/nothing is firing for "unknown"/) });
  });

  it.each([
    { problem: 'no author', request: { target: 'db', by: ' ' }, message: 'by must not be empty' },
    { problem: 'no target', request: { target: '', by: 'ann' }, message: 'target must not be empty' },
    { problem: 'a huge comment', request: { target: 'db', by: 'ann', comment: 'x'.repeat(4_097) }, message: 'comment holds at most 4096 characters, got 4097' },
  ])('refuses an acknowledgement with $problem', async ({ request, message }) => {
    await expect(acknowledge(redis, request, NOW)).rejects.toMatchObject({ code: 'VIGIL_ACK_INVALID', message });
  });

  it('finds the acknowledgements of the alerts asked about, leaving out the others', async () => {
    await acknowledge(redis, { target: 'f-eu', by: 'ann' }, NOW);
    const found = await acknowledgementsOf(redis, ['f-eu', 'f-us']);
    expect([...found.keys()]).toEqual(['f-eu']);
    expect(await acknowledgementsOf(redis, [])).toEqual(new Map());
  });

  it('forgets the acknowledgements of resolved alerts', async () => {
    await acknowledge(redis, { target: 'shop-api', by: 'ann' }, NOW);
    expect(await removeAcknowledgements(redis, ['f-eu', 'f-db'])).toBe(1);
    expect(await redis.hkeys(REDIS_KEYS.acks)).toEqual(['f-us']);
    expect(await removeAcknowledgements(redis, [])).toBe(0);
  });

  it('lists acknowledgements most recent first', async () => {
    await acknowledge(redis, { target: 'f-db', by: 'ann' }, NOW);
    await acknowledge(redis, { target: 'f-eu', by: 'bob' }, new Date(NOW.getTime() + 60_000));
    expect((await listAcknowledgements(redis)).map((entry) => entry.fingerprint)).toEqual(['f-eu', 'f-db']);
  });
});
