import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueue, type AlertEvent, type WatchObservationBatch } from '../../../../libs/queues/index.js';
import { REDIS_KEYS } from '../../../../libs/redis-keys.js';
import { evaluateWatchBatch } from '../../../../services/evaluator/watches/evaluate-watch.js';
import type { WatchState } from '../../../../services/evaluator/watches/watch-state.js';
import { isolatedRedisUrl } from '../../../support/infra.js';
import { HOST, watchOf } from './support.js';

describe('a watch batch delivered again', () => {
  let stateRedis: Redis;
  let alerts: Queue<AlertEvent>;
  beforeAll(async () => {
    stateRedis = new Redis(await isolatedRedisUrl(), { maxRetriesPerRequest: null });
    alerts = createQueue('alerts', stateRedis);
  });
  afterAll(async () => {
    await alerts.close();
    await stateRedis.quit();
  });

  const deps = () => ({ stateRedis, alerts, log: pino({ level: 'silent' }), recordMetrics: false });
  const watches = new Map([['w', watchOf('match: ERROR, threshold: { count: 2, within: 1h }')]]);
  const batch: WatchObservationBatch = {
    source: 'watch', watchId: 'w', host: HOST, agentStartedAt: 1,
    observations: [{ kind: 'lines', path: '/var/log/app.log', atMs: Date.now(), read: 1, matched: 1, samples: ['ERROR once'], truncated: 0 }],
  };

  it('counts its matches once when it comes again under the same id, and again under another', async () => {
    const nowMs = Date.now();
    await evaluateWatchBatch(deps(), watches, batch, { batchId: 'job-1', nowMs });
    await evaluateWatchBatch(deps(), watches, batch, { batchId: 'job-1', nowMs });
    const held = async () => (JSON.parse((await stateRedis.get(REDIS_KEYS.watchState(`watch:w@${HOST}`)))!) as WatchState).paths['/var/log/app.log']!.window!.hits;
    expect(await held()).toEqual([[batch.observations[0]!.atMs, 1]]);
    expect(await alerts.count()).toBe(0);

    await evaluateWatchBatch(deps(), watches, batch, { batchId: 'job-2', nowMs });
    expect(await alerts.count()).toBe(1);
  });
});
