import { describe, expect, it } from 'vitest';
import { REDIS_KEYS } from '../../../libs/redis-keys.js';
import { apiHarness } from './support.js';

const WATCHES = 'watches:\n  - { id: logs, paths: [/var/log/app.log], match: "ERROR", labels: { team: ops } }\n  - { id: certs, paths: [/etc/ssl/certs], recursive: true }\n';

describe('GET /watches', () => {
  const harness = apiHarness();

  /** A watch subject's state as the evaluator stores it (services/evaluator/watches/watch-state.ts). */
  async function storeWatchState(subject: string, state: unknown): Promise<void> {
    await harness.redis.multi().set(REDIS_KEYS.watchState(subject), JSON.stringify(state)).sadd(REDIS_KEYS.watchSubjects, subject).exec();
  }

  it('lists every configured watch with its paths and labels', async () => {
    const api = await harness.start(WATCHES);
    const { status, body } = await api.call('GET', '/watches');
    expect(status).toBe(200);
    expect(body.watches).toEqual([
      { id: 'logs', paths: ['/var/log/app.log'], labels: { team: 'ops' }, hosts: [] },
      { id: 'certs', paths: ['/etc/ssl/certs'], labels: {}, hosts: [] },
    ]);
  });

  it('shows a host whose watch has a firing alert as down, naming the path and rule', async () => {
    await storeWatchState('watch:logs@web-1', { agentStartedAt: 1, seenUntilMs: 5_000, paths: { '/var/log/app.log': { alerts: { match: { fingerprint: 'f', firedAtMs: 5_000 } } } } });
    const api = await harness.start(WATCHES);
    const logs = (await api.call('GET', '/watches')).body.watches[0];
    expect(logs.hosts).toEqual([{ host: 'web-1', status: 'down', seenUntil: new Date(5_000).toISOString(), firing: [{ path: '/var/log/app.log', rule: 'match' }] }]);
  });

  it('shows a host with nothing firing as up', async () => {
    await storeWatchState('watch:certs@web-2', { agentStartedAt: 1, seenUntilMs: 7_000, paths: {} });
    const api = await harness.start(WATCHES);
    expect((await api.call('GET', '/watches')).body.watches[1].hosts).toEqual([{ host: 'web-2', status: 'up', seenUntil: new Date(7_000).toISOString(), firing: [] }]);
  });

  it('leaves out the subjects of watches no longer configured', async () => {
    await storeWatchState('watch:gone@web-1', { agentStartedAt: 1, seenUntilMs: 1, paths: {} });
    const api = await harness.start(WATCHES);
    expect((await api.call('GET', '/watches')).body.watches.flatMap((watch: { hosts: unknown[] }) => watch.hosts)).toEqual([]);
  });
});
