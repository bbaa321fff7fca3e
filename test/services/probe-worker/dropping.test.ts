import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueue, type ProbeResultBatch } from '../../../libs/queues/index.js';
import { REDIS_KEYS } from '../../../libs/redis-keys.js';
import { startProbeWorker } from '../../../services/probe-worker/worker.js';
import { eventually, isolatedRedisUrl } from '../../support/infra.js';

/**
 * A worker that falls behind drops what can no longer start in time, cheaply: no registry
 * read, no probe, and one report per window instead of a log line and a write per slot.
 */
describe('probe worker under overload', () => {
  let redis: Redis;

  beforeAll(async () => {
    redis = new Redis(await isolatedRedisUrl(), { maxRetriesPerRequest: null });
  });
  afterAll(async () => {
    await redis.quit();
  });

  async function addStaleSlot(region: string, checkId: string, dueAt: number, intervalMs = 1_000): Promise<void> {
    const probes = createQueue('probes', redis, region);
    await probes.add('slot', { region, intervalMs, leadMs: 0, checks: [{ id: checkId, specHash: 'x', phaseMs: 0 }] }, { jobId: `repeat:slot-${checkId}:${dueAt}` });
    await probes.close();
  }

  async function batchesOf(region: string): Promise<ProbeResultBatch[]> {
    const results = createQueue('results', redis);
    const jobs = await results.getJobs(['waiting']);
    await results.close();
    return jobs.map((job) => job.data).filter((batch): batch is ProbeResultBatch => batch.source === undefined || batch.source === 'probe').filter((batch) => batch.region === region);
  }

  it('drops a slot already past its interval without reading its checks, and reports the count once when it stops', async () => {
    // Unparseable registry entries: reading them would fail the slot instead of dropping it.
    await redis.hset(REDIS_KEYS.checks, { 'stale-a': '{not json', 'stale-b': '{not json' });
    const worker = startProbeWorker({ redis, log: pino({ level: 'silent' }), region: 'behind', concurrency: 10, hostConcurrency: 10, dropReportEveryMs: 60_000 });
    const probes = createQueue('probes', redis, 'behind');
    const now = Date.now();
    for (let i = 0; i < 5; i++) await addStaleSlot('behind', i % 2 === 0 ? 'stale-a' : 'stale-b', now - 10_000 - i);
    await eventually('every stale slot done', async () => (await probes.getJobCounts('completed')).completed === 5 || undefined);
    expect((await probes.getJobCounts('failed')).failed).toBe(0);
    expect(await batchesOf('behind')).toEqual([]);

    await worker.close();
    await probes.close();

    const reports = await batchesOf('behind');
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ region: 'behind', results: [], dropped: { count: 5 } });
  });

  it('drops a probe the worker only reaches after its start delay, even within its interval', async () => {
    await redis.hset(REDIS_KEYS.checks, { 'late-a': '{not json' });
    const worker = startProbeWorker({ redis, log: pino({ level: 'silent' }), region: 'late', concurrency: 10, hostConcurrency: 10, maxStartDelayMs: 250, dropReportEveryMs: 60_000 });
    const probes = createQueue('probes', redis, 'late');
    await addStaleSlot('late', 'late-a', Date.now() - 2_000, 60_000);
    await eventually('the slot done', async () => (await probes.getJobCounts('completed')).completed === 1 || undefined);
    await worker.close();
    await probes.close();
    expect(await batchesOf('late')).toMatchObject([{ results: [], dropped: { count: 1 } }]);
  });
});
