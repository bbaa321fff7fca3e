import { describe, expect, it } from 'vitest';
import { REDIS_KEYS } from '../../../libs/redis-keys.js';
import { apiHarness, storeCheckState } from './support.js';

const CHECKS = `checks:
  - { id: web, type: http, url: "https://user:secret@shop.example.com/healthz?token=hunter2", headers: { authorization: "Bearer hunter2" }, labels: { team: shop }, regions: [eu, us] }
  - { id: db, type: tcp, host: db.internal, port: 5432 }
  - { id: old, type: tcp, host: old.internal, port: 1, paused: true }
`;

describe('GET /checks', () => {
  const harness = apiHarness();

  it('lists every configured check with its id, type, labels and regions', async () => {
    const api = await harness.start(CHECKS);
    const { status, body } = await api.call('GET', '/checks');
    expect(status).toBe(200);
    expect(body.checks.map((check: { id: string }) => check.id)).toEqual(['web', 'db', 'old']);
    expect(body.checks[0]).toMatchObject({ id: 'web', type: 'http', labels: { team: 'shop' }, regions: ['eu', 'us'], paused: false });
  });

  it('shows each region\'s status, since when and the last message', async () => {
    await storeCheckState(harness.redis, 'web@eu', { status: 'down', lastMessage: 'HTTP 503', failingSince: 1_000 }, [
      { atMs: 1_000, from: 'up', to: 'pending' }, { atMs: 3_000, from: 'pending', to: 'down', reason: 'HTTP 503' },
    ]);
    await storeCheckState(harness.redis, 'web@us', { status: 'up', lastMessage: 'probe succeeded in 12ms' }, [{ atMs: 500, from: 'unknown', to: 'up' }]);
    const api = await harness.start(CHECKS);
    const { body } = await api.call('GET', '/checks');
    expect(body.checks[0].states).toEqual([
      { region: 'eu', status: 'down', since: new Date(3_000).toISOString(), lastMessage: 'HTTP 503' },
      { region: 'us', status: 'up', since: new Date(500).toISOString(), lastMessage: 'probe succeeded in 12ms' },
    ]);
  });

  it('shows a check that has no state yet as unknown, never up', async () => {
    const api = await harness.start(CHECKS);
    const { body } = await api.call('GET', '/checks');
    expect(body.checks[1].states).toEqual([{ region: 'default', status: 'unknown' }]);
  });

  it('shows a check without results as unknown even if its last state was up', async () => {
    await storeCheckState(harness.redis, 'db@default', { status: 'up', noData: { fingerprint: 'x' } });
    const api = await harness.start(CHECKS);
    expect((await api.call('GET', '/checks')).body.checks[1].states[0].status).toBe('unknown');
  });

  it('shows a check in a maintenance window as maintenance', async () => {
    await storeCheckState(harness.redis, 'db@default', { status: 'down', maintenance: true });
    const api = await harness.start(CHECKS);
    expect((await api.call('GET', '/checks')).body.checks[1].states[0].status).toBe('maintenance');
  });

  it('shows a paused check as paused', async () => {
    const api = await harness.start(CHECKS);
    const old = (await api.call('GET', '/checks')).body.checks[2];
    expect(old).toMatchObject({ paused: true, states: [{ region: 'default', status: 'paused' }] });
  });

  it('never returns a check\'s URL, headers or the secrets in them', async () => {
    const api = await harness.start(CHECKS);
    const text = JSON.stringify((await api.call('GET', '/checks')).body);
    expect(text).not.toMatch(/hunter2|secret|shop\.example\.com|db\.internal/);
  });

  it('ignores a stored state it cannot read and shows unknown', async () => {
    await harness.redis.set(REDIS_KEYS.checkState('db@default'), 'not json');
    const api = await harness.start(CHECKS);
    expect((await api.call('GET', '/checks')).body.checks[1].states[0].status).toBe('unknown');
  });
});

describe('GET /checks/:id', () => {
  const harness = apiHarness();

  it('returns one check with its transitions in every region, newest first', async () => {
    await storeCheckState(harness.redis, 'web@eu', { status: 'down' }, [{ atMs: 1_000, from: 'up', to: 'pending' }, { atMs: 3_000, from: 'pending', to: 'down', reason: 'HTTP 503' }]);
    await storeCheckState(harness.redis, 'web@us', { status: 'up' }, [{ atMs: 2_000, from: 'unknown', to: 'up' }]);
    const api = await harness.start(CHECKS);
    const { status, body } = await api.call('GET', '/checks/web');
    expect(status).toBe(200);
    expect(body.check).toMatchObject({ id: 'web', states: [{ region: 'eu', status: 'down' }, { region: 'us', status: 'up' }] });
    expect(body.transitions).toEqual([
      { subject: 'web@eu', at: new Date(3_000).toISOString(), from: 'pending', to: 'down', reason: 'HTTP 503' },
      { subject: 'web@us', at: new Date(2_000).toISOString(), from: 'unknown', to: 'up' },
      { subject: 'web@eu', at: new Date(1_000).toISOString(), from: 'up', to: 'pending' },
    ]);
  });

  it('returns at most `limit` transitions', async () => {
    await storeCheckState(harness.redis, 'db@default', { status: 'up' }, [{ atMs: 1, from: 'unknown', to: 'up' }, { atMs: 2, from: 'up', to: 'pending' }, { atMs: 3, from: 'pending', to: 'up' }]);
    const api = await harness.start(CHECKS);
    expect((await api.call('GET', '/checks/db?limit=2')).body.transitions.map((t: { to: string }) => t.to)).toEqual(['up', 'pending']);
  });

  it('answers 404 for a check that is not configured', async () => {
    const api = await harness.start(CHECKS);
    expect(await api.call('GET', '/checks/nope')).toMatchObject({ status: 404, body: { code: 'VIGIL_API_NOT_FOUND', message: expect.stringMatching(/"nope"/) } });
  });

  it('answers 400 naming the query field for a bad limit', async () => {
    const api = await harness.start(CHECKS);
    const answer = await api.call('GET', '/checks/web?limit=zero');
    expect(answer).toMatchObject({ status: 400, body: { code: 'VIGIL_API_INVALID', problems: [{ field: 'query.limit', reason: expect.any(String) }] } });
  });
});
