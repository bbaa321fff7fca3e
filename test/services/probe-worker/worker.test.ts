import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishChecks, specHashOf } from '../../../libs/check-registry.js';
import type { HttpCheckConfig } from '../../../libs/config/index.js';
import { createQueue, type ResultBatch } from '../../../libs/queues/index.js';
import { REDIS_KEYS } from '../../../libs/redis-keys.js';
import type { RunningService } from '../../../libs/service.js';
import { startProbeWorker } from '../../../services/probe-worker/worker.js';
import { eventually, isolatedRedisUrl } from '../../support/infra.js';
import { startSwitchableTarget } from '../../support/http-servers.js';

describe('probe worker', () => {
  let redis: Redis;
  let worker: RunningService;
  let target: Awaited<ReturnType<typeof startSwitchableTarget>>;
  let check: HttpCheckConfig;

  beforeAll(async () => {
    redis = new Redis(await isolatedRedisUrl(), { maxRetriesPerRequest: null });
    target = await startSwitchableTarget();
    check = {
      id: 'web', type: 'http', url: `${target.url}/`, method: 'GET', headers: {}, intervalMs: 2_000, timeoutMs: 1_000,
      failureThreshold: 1, successThreshold: 1, labels: {}, regions: ['default'], expect: { status: ['2xx'] },
      followRedirects: 5, maxBodyBytes: 1_048_576, tls: { verify: true },
    };
    await publishChecks(redis, [check]);
    worker = startProbeWorker({ redis, log: pino({ level: 'silent' }), region: 'default', concurrency: 10 });
  });
  afterAll(async () => {
    await worker.close();
    await target.close();
    await redis.quit();
  });

  /** A slot job named the way BullMQ names scheduler jobs, due at the given time. */
  async function addSlot(dueAt: number, leadMs = 0): Promise<void> {
    const probes = createQueue('probes', redis);
    await probes.add('slot', { region: 'default', intervalMs: check.intervalMs, leadMs, checks: [{ id: 'web', specHash: specHashOf(check), phaseMs: 0 }] }, { jobId: `repeat:slot-test:${dueAt}` });
    await probes.close();
  }

  async function batches(): Promise<ResultBatch[]> {
    const results = createQueue('results', redis);
    const jobs = await results.getJobs(['waiting']);
    await results.close();
    return jobs.map((job) => job.data);
  }

  it('probes the checks of a due slot, reading them from the registry, and queues their results as one batch', async () => {
    const dueAt = Date.now();
    await addSlot(dueAt);
    const [batch] = await eventually('a result batch', async () => ((await batches()).length === 1 ? batches() : undefined));
    expect(batch!.results).toEqual([expect.objectContaining({ checkId: 'web', ok: true, statusCode: 200, scheduledAt: dueAt, region: 'default' })]);
  });

  it('waits for the slot to start before probing, so a job picked up early does not probe early', async () => {
    const dueAt = Date.now();
    const hitsBefore = target.hits();
    await addSlot(dueAt, 800);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(target.hits()).toBe(hitsBefore);
    await eventually('the probe after the lead', () => target.hits() > hitsBefore || undefined);
  });

  it('takes only probes of its own region', async () => {
    const eu = createQueue('probes', redis, 'eu');
    await eu.add('slot', { region: 'eu', intervalMs: check.intervalMs, leadMs: 0, checks: [{ id: 'web', specHash: specHashOf(check), phaseMs: 0 }] }, { jobId: `repeat:slot-eu:${Date.now()}` });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await eu.getJobCounts('waiting')).waiting).toBe(1);
    const euWorker = startProbeWorker({ redis, log: pino({ level: 'silent' }), region: 'eu', concurrency: 10 });
    await eventually('the eu worker took it', async () => (await eu.getJobCounts('waiting')).waiting === 0 || undefined);
    const euBatch = await eventually('an eu result batch', async () => (await batches()).find((batch) => batch.region === 'eu'));
    expect(euBatch.results[0]).toMatchObject({ checkId: 'web', region: 'eu' });
    await euWorker.close();
    await eu.close();
  });

  it('drops and counts a probe that could not start within its interval instead of running it late', async () => {
    const hitsBefore = target.hits();
    await addSlot(Date.now() - 10_000);
    const dropped = await eventually('a dropped-probes point', async () => (await redis.lrange(REDIS_KEYS.metricsBuffer, 0, -1)).find((line) => line.startsWith('probes_dropped')));
    expect(dropped).toMatch(/^probes_dropped,region=default count=1i \d+$/);
    expect(target.hits()).toBe(hitsBefore);
  });
});
