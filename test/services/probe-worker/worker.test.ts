import { Redis } from 'ioredis';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { publishChecks, specHashOf } from '../../../libs/check-registry.js';
import type { HttpCheckConfig } from '../../../libs/config/index.js';
import { createQueue, type ProbeSlotJob, type ProbeResultBatch } from '../../../libs/queues/index.js';
import type { RunningService } from '../../../libs/service.js';
import { startProbeWorker } from '../../../services/probe-worker/worker.js';
import { eventually, isolatedRedisUrl } from '../../support/infra.js';
import { startSwitchableTarget } from '../../support/http-servers.js';

/**
 * startProbeWorker against a real Redis and a real HTTP target. Every test has a database,
 * a target and workers of its own, so what it counts is only what it caused.
 */
describe('probe worker', () => {
  let redis: Redis;
  let target: Awaited<ReturnType<typeof startSwitchableTarget>>;
  let check: HttpCheckConfig;
  let workers: RunningService[];

  beforeEach(async () => {
    redis = new Redis(await isolatedRedisUrl(), { maxRetriesPerRequest: null });
    target = await startSwitchableTarget();
    check = {
      id: 'web', type: 'http', url: `${target.url}/`, method: 'GET', headers: {}, intervalMs: 2_000, timeoutMs: 1_000,
      failureThreshold: 1, successThreshold: 1, labels: {}, regions: ['default'], expect: { status: ['2xx'] },
      followRedirects: 5, maxBodyBytes: 1_048_576, tls: { verify: true },
    };
    await publishChecks(redis, [check]);
    workers = [];
  });
  afterEach(async () => {
    for (const worker of workers) await worker.close();
    await target.close();
    await redis.quit();
  });

  /** A start delay of seconds: these tests are not about a busy test machine picking a slot up late. */
  function startWorker(region = 'default', extra: { dropReportEveryMs?: number } = {}): RunningService {
    const worker = startProbeWorker({ redis, log: pino({ level: 'silent' }), region, concurrency: 10, hostConcurrency: 10, maxStartDelayMs: 5_000, ...extra });
    workers.push(worker);
    return worker;
  }

  const slotOf = (region: string, leadMs: number): ProbeSlotJob => ({
    region, intervalMs: check.intervalMs, leadMs, checks: [{ id: 'web', specHash: specHashOf(check), phaseMs: 0 }],
  });

  /** A slot job named the way BullMQ names scheduler jobs, due at the given time. Returns its id. */
  async function addSlot(dueAt: number, { leadMs = 0, region = 'default' } = {}): Promise<string> {
    const probes = createQueue('probes', redis, region);
    const jobId = `repeat:slot-test:${dueAt}`;
    await probes.add('slot', slotOf(region, leadMs), { jobId });
    await probes.close();
    return jobId;
  }

  async function stateOf(jobId: string, region = 'default'): Promise<string> {
    const probes = createQueue('probes', redis, region);
    const state = await probes.getJobState(jobId);
    await probes.close();
    return state;
  }

  async function batches(): Promise<ProbeResultBatch[]> {
    const results = createQueue('results', redis);
    const jobs = await results.getJobs(['waiting']);
    await results.close();
    return jobs.map((job) => job.data).filter((batch): batch is ProbeResultBatch => batch.source === undefined || batch.source === 'probe');
  }

  it('probes the checks of a due slot, reading them from the registry, and queues their results as one batch', async () => {
    startWorker();
    const dueAt = Date.now();
    await addSlot(dueAt);
    const [batch] = await eventually('a result batch', async () => ((await batches()).length > 0 ? batches() : undefined));
    expect(await batches()).toHaveLength(1);
    expect(batch!.results).toEqual([expect.objectContaining({ checkId: 'web', ok: true, statusCode: 200, scheduledAt: dueAt, region: 'default' })]);
    expect(target.hits()).toBe(1);
  });

  it('waits for the slot to start before probing, so a job picked up early does not probe early', async () => {
    startWorker();
    const dueAt = Date.now();
    const slotStart = dueAt + 800;
    const jobId = await addSlot(dueAt, { leadMs: 800 });
    // The worker holds the job during the lead...
    await eventually('the worker to take the slot', async () => (await stateOf(jobId)) === 'active' || undefined, 5_000, 10);
    const takenAt = Date.now();
    expect(takenAt).toBeLessThan(slotStart);
    // ...and probes once the slot starts. Timers fire on a millisecond clock read at the
    // start of an event-loop turn, so a wait can end a few ms before its Date.now() target.
    await eventually('the probe', () => target.hits() > 0 || undefined, 5_000, 10);
    const [hit] = target.served();
    expect(hit!.at).toBeGreaterThanOrEqual(slotStart - 5);
    const [batch] = await eventually('the result batch', async () => ((await batches()).length > 0 ? batches() : undefined));
    expect(batch!.results[0]).toMatchObject({ scheduledAt: slotStart });
    expect(batch!.results[0]!.startedAt).toBeGreaterThanOrEqual(slotStart - 5);
  });

  it('takes only probes of its own region', async () => {
    startWorker('default');
    const euJob = await addSlot(Date.now(), { region: 'eu' });
    const defaultJob = await addSlot(Date.now() + 1);
    // Once the default worker has run a slot added after the eu one, it has had its chance to take that too.
    await eventually('the default slot done', async () => (await stateOf(defaultJob)) === 'completed' || undefined);
    expect(await stateOf(euJob, 'eu')).toBe('waiting');
    expect((await batches()).map((batch) => batch.region)).toEqual(['default']);

    startWorker('eu');
    await eventually('the eu worker took it', async () => (await stateOf(euJob, 'eu')) === 'completed' || undefined);
    const euBatch = await eventually('an eu result batch', async () => (await batches()).find((batch) => batch.region === 'eu'));
    expect(euBatch.results).toEqual([expect.objectContaining({ checkId: 'web', region: 'eu' })]);
  });

  it('drops and counts a probe that could not start within its interval instead of running it late', async () => {
    startWorker('default', { dropReportEveryMs: 100 });
    const jobId = await addSlot(Date.now() - 10_000);
    const report = await eventually('a dropped-probes report', async () => (await batches()).find((batch) => batch.dropped !== undefined));
    expect(report).toMatchObject({ region: 'default', results: [], dropped: { count: 1 } });
    // Had the slot run its probe, it would have done so before completing.
    await eventually('the slot done', async () => (await stateOf(jobId)) === 'completed' || undefined);
    expect(target.hits()).toBe(0);
    expect(await batches()).toHaveLength(1);
  });
});
