import { describe, expect, it } from 'vitest';
import { historyOfCheck, listActiveAlerts } from '../../../libs/alerts/index.js';
import { parseConfig, type Config } from '../../../libs/config/index.js';
import { REDIS_KEYS } from '../../../libs/redis-keys.js';
import { evaluatorHarness, tcpResult } from '../../support/evaluator.js';

/** Every test uses its own check id, so no test sees another's alerts or history. */
const configWith = (...ids: string[]): Config => parseConfig(`checks:\n${ids.map((id) => `  - { id: ${id}, type: tcp, host: 127.0.0.1, port: 1, failureThreshold: 2, labels: { team: core } }\n`).join('')}`);

describe('the alert store the evaluator keeps', () => {
  const harness = evaluatorHarness();
  const feed = (checkId: string, scheduledAt: number, ok: boolean) => harness.feed(tcpResult(checkId, scheduledAt, ok));
  const start = (...ids: string[]) => harness.start(configWith(...ids));

  const activeOf = async (checkId: string) => (await listActiveAlerts(harness.redis)).filter((alert) => alert.labels.check === checkId);

  it('lists a firing alert with its rule, subject, labels and start', async () => {
    start('store-1');
    await feed('store-1', 1_000, false);
    expect(await activeOf('store-1')).toEqual([]);
    await feed('store-1', 2_000, false);
    expect(await activeOf('store-1')).toMatchObject([{
      rule: 'down', subject: 'store-1@default', labels: { alertname: 'CheckDown', check: 'store-1', team: 'core' },
      startsAt: new Date(1_000).toISOString(), annotations: { description: 'connect ECONNREFUSED' },
    }]);
  });

  it('takes an alert out when it resolves', async () => {
    start('store-2');
    await feed('store-2', 1_000, false);
    await feed('store-2', 2_000, false);
    await feed('store-2', 3_000, true);
    expect(await activeOf('store-2')).toEqual([]);
  });

  it('records every state change of a check, newest first, with its time and reason', async () => {
    start('store-3');
    await feed('store-3', 1_000, true);
    await feed('store-3', 2_000, false);
    await feed('store-3', 3_000, false);
    await feed('store-3', 4_000, false);
    await feed('store-3', 5_000, true);
    expect(await historyOfCheck(harness.redis, 'store-3')).toEqual([
      { subject: 'store-3@default', atMs: 5_000, from: 'down', to: 'up', reason: 'probe succeeded in 1ms' },
      { subject: 'store-3@default', atMs: 3_000, from: 'pending', to: 'down', reason: 'connect ECONNREFUSED' },
      { subject: 'store-3@default', atMs: 2_000, from: 'up', to: 'pending', reason: 'connect ECONNREFUSED' },
      { subject: 'store-3@default', atMs: 1_000, from: 'unknown', to: 'up', reason: 'probe succeeded in 1ms' },
    ]);
  });

  it('forgets the alert and the history of a check removed from the configuration', async () => {
    const evaluator = start('store-4', 'store-4-kept');
    await feed('store-4', 1_000, false);
    await feed('store-4', 2_000, false);
    expect(await activeOf('store-4')).toHaveLength(1);
    await evaluator.apply(configWith('store-4-kept'));
    expect(await activeOf('store-4')).toEqual([]);
    expect(await historyOfCheck(harness.redis, 'store-4')).toEqual([]);
    expect(await harness.redis.exists(REDIS_KEYS.stateHistory('store-4@default'))).toBe(0);
  });
});
