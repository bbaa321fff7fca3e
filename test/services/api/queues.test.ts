/** GET /api/v1/queues against real BullMQ queues and workers on Redis. */
import { describe, expect, it } from 'vitest';
import { createQueue, createWorker, type ObservationBatch } from '../../../libs/queues/index.js';
import { eventually } from '../../support/infra.js';
import { READ_TOKEN, apiHarness } from './support.js';

const api = apiHarness();
const CONFIG = 'checks:\n  - { id: web, type: tcp, host: 127.0.0.1, port: 1, regions: [eu] }\n  - { id: backup, type: heartbeat, period: 1h, grace: 5m }\n';
const VERDICT: ObservationBatch = { source: 'config', configSource: 'test.yaml', atMs: 1, sha: 'abc', accepted: true };

describe('GET /queues', () => {
  it('lists the probe queue of each probed region and the fixed queues, not one for heartbeats', async () => {
    const server = await api.start(CONFIG);
    const { status, body } = await server.call('GET', '/queues', { token: READ_TOKEN });
    expect(status).toBe(200);
    expect(body.queues.map((queue: { name: string }) => queue.name)).toEqual(['probes-eu', 'results', 'alerts', 'group-flushes', 'deliveries']);
  });

  it('counts the jobs waiting in a queue', async () => {
    const server = await api.start(CONFIG);
    const results = createQueue('results', api.redis);
    await results.addBulk([{ name: 'a', data: VERDICT }, { name: 'b', data: VERDICT }]);
    await results.close();
    const { body } = await server.call('GET', '/queues');
    expect(body.queues.find((queue: { name: string }) => queue.name === 'results').counts).toMatchObject({ waiting: 2, active: 0, failed: 0 });
  });

  it('shows jobs completed and failed per minute', async () => {
    const server = await api.start(CONFIG);
    const results = createQueue('results', api.redis);
    await results.add('good', VERDICT);
    await results.add('bad', { source: 'nonsense' } as unknown as ObservationBatch);
    const worker = createWorker('results', api.redis.duplicate({ maxRetriesPerRequest: null }), async () => undefined);
    try {
      const summary = await eventually('one completed and one failed job in the rates', async () => {
        const queue = (await server.call('GET', '/queues')).body.queues.find((entry: { name: string }) => entry.name === 'results');
        // Summed: the minute may turn between the jobs and the read.
        const sum = (counts: number[]) => counts.reduce((total, count) => total + count, 0);
        return sum(queue.perMinute.completed) === 1 && sum(queue.perMinute.failed) === 1 ? queue : undefined;
      });
      expect(summary.counts).toMatchObject({ completed: 1, failed: 1, waiting: 0 });
    } finally {
      await worker.close();
      await results.close();
    }
  });

  it('lists a queue\'s job schedulers with their cadence and next run', async () => {
    const server = await api.start(CONFIG);
    const probes = createQueue('probes', api.redis, 'eu');
    await probes.upsertJobScheduler('slot-eu-30000-0', { every: 30_000 }, { name: 'slot', data: { region: 'eu', intervalMs: 30_000, leadMs: 300, checks: [] } });
    await probes.close();
    const { body } = await server.call('GET', '/queues');
    const queue = body.queues.find((entry: { name: string }) => entry.name === 'probes-eu');
    expect(queue.schedulers.count).toBe(1);
    expect(queue.schedulers.next).toEqual([{ id: 'slot-eu-30000-0', everyMs: 30_000, nextRunAt: expect.any(String) }]);
  });

  it('needs a token', async () => {
    const server = await api.start(CONFIG);
    expect((await server.call('GET', '/queues', { token: null })).status).toBe(401);
  });
});
