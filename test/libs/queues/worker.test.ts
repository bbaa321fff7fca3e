import { randomBytes } from 'node:crypto';
import type { Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createQueue, createRedis, createWorker, type ProbeSlotJob } from '../../../libs/queues/index.js';
import { eventually, isolatedRedisUrl } from '../../support/infra.js';

/**
 * createWorker on a real queue in a real Redis: what the processor is handed, and what
 * becomes of a job whose payload fails validation. Each test has a region (so a queue) of
 * its own.
 */
describe('createWorker', () => {
  let redis: Redis;
  let region: string;
  let queue: Queue<ProbeSlotJob>;
  let worker: Worker<ProbeSlotJob> | undefined;
  /** What the processor was handed, per job id. */
  let handed: Map<string, unknown>;

  const slot: ProbeSlotJob = { region: 'r', intervalMs: 10_000, leadMs: 300, checks: [{ id: 'web', specHash: 'abc', phaseMs: 40 }] };

  beforeEach(async () => {
    redis = createRedis(await isolatedRedisUrl());
    region = `q${randomBytes(4).toString('hex')}`;
    queue = createQueue('probes', redis, region);
    handed = new Map();
  });
  afterEach(async () => {
    await worker?.close();
    worker = undefined;
    await queue.obliterate({ force: true });
    await queue.close();
    redis.disconnect();
  });

  /** A worker whose processor records its data, and throws for a check named "explode". */
  function startWorker(): Worker<ProbeSlotJob> {
    worker = createWorker('probes', redis, async (data, job) => {
      handed.set(job.id!, data);
      if (data.checks[0]?.id === 'explode') throw new Error('infrastructure down');
    }, { region, backoffBaseMs: 10 });
    worker.on('error', () => {});
    return worker;
  }

  async function settled(id: string): Promise<{ state: string; job: Job<ProbeSlotJob> }> {
    return eventually(`job ${id} to finish`, async () => {
      const state = await queue.getJobState(id);
      if (state !== 'completed' && state !== 'failed') return undefined;
      return { state, job: (await queue.getJob(id))! };
    });
  }

  it('fails a malformed job at once, without retries, naming the field, and never calls the processor', async () => {
    startWorker();
    // The queue's default options allow 2 attempts: a retry would be visible as attemptsMade 2.
    const bad = { ...slot, intervalMs: 'soon' } as unknown as ProbeSlotJob;
    const job = await queue.add('slot', bad, { jobId: 'bad' });
    expect(job.opts.attempts).toBe(2);

    const { state, job: done } = await settled('bad');
    expect(state).toBe('failed');
    expect(done.attemptsMade).toBe(1);
    expect(done.failedReason).toMatch(/^invalid probes payload: intervalMs: /);
    expect(handed.has('bad')).toBe(false);
  });

  it('retries a valid job whose processor throws (so the case above is told apart by validation)', async () => {
    startWorker();
    await queue.add('slot', { ...slot, checks: [{ ...slot.checks[0]!, id: 'explode' }] }, { jobId: 'explodes' });
    const { state, job } = await settled('explodes');
    expect(state).toBe('failed');
    expect(job.attemptsMade).toBe(2);
    expect(job.failedReason).toBe('infrastructure down');
  });

  it('hands the processor the validated payload, not the raw job data: unknown keys are stripped', async () => {
    startWorker();
    const raw = { ...slot, injected: true, checks: [{ ...slot.checks[0]!, extra: 'x' }] };
    await queue.add('slot', raw as ProbeSlotJob, { jobId: 'extra' });
    const { state, job } = await settled('extra');
    expect(state).toBe('completed');
    // The raw data kept the keys; the processor did not see them.
    expect(job.data).toMatchObject({ injected: true });
    expect(handed.get('extra')).toStrictEqual(slot);
  });
});
