/**
 * Queue depths for /metrics: jobs per queue and state, read from Redis on each scrape (no
 * polling between scrapes), bounded by a timeout so a slow Redis makes the scrape lose these
 * series rather than hang it. One service exposes them (the scheduler, which knows the regions
 * from the configuration): every service exposing them would give Prometheus the same numbers
 * several times over. Scheduler replicas each report the same counts; aggregate with max by (queue, state).
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { Gauge } from 'prom-client';
import { isProbed, type CheckConfig } from '../config/index.js';
import { payloadSchemas, QUEUE_PREFIX, queueName, type QueueKind } from '../queues/index.js';
import { withTimeout } from './readiness.js';
import type { MetricsRegistry } from './registry.js';

export const QUEUE_DEPTH_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;
export const QUEUE_DEPTH_TIMEOUT_MS = 2_000;

/** Every queue of the pipeline: probes-<region> for each region a check is probed in (sorted; a heartbeat is never probed), then the fixed ones. */
export function pipelineQueues(checks: readonly CheckConfig[]): string[] {
  const regions = [...new Set(checks.filter(isProbed).flatMap((check) => check.regions))].sort();
  const fixed = (Object.keys(payloadSchemas) as QueueKind[]).filter((kind) => kind !== 'probes').map((kind) => queueName(kind));
  return [...regions.map((region) => queueName('probes', region)), ...fixed];
}

export interface QueueDepthsOptions {
  redis: Redis;
  /** Read at each scrape, so a configuration change (a new region) shows at the next one. */
  queues: () => readonly string[];
  timeoutMs?: number;
}

/** Registers vigil_queue_jobs{queue, state} and vigil_queue_depths_up; close() releases the queue handles. */
export function registerQueueDepths(registry: MetricsRegistry, options: QueueDepthsOptions): { close(): Promise<void> } {
  const handles = new Map<string, Queue>();
  const timeoutMs = options.timeoutMs ?? QUEUE_DEPTH_TIMEOUT_MS;
  const handle = (name: string): Queue => {
    let queue = handles.get(name);
    if (queue === undefined) {
      queue = new Queue(name, { connection: options.redis, prefix: QUEUE_PREFIX });
      handles.set(name, queue);
    }
    return queue;
  };
  type Counts = Array<{ name: string; counts: Record<string, number> }>;
  const read = async (): Promise<Counts | undefined> => {
    const names = options.queues();
    for (const [name, queue] of [...handles]) {
      if (names.includes(name)) continue;
      handles.delete(name);
      void queue.close();
    }
    try {
      // A connection that is not up would hold the reads until Redis is back: answer at once instead.
      if (options.redis.status !== 'ready') throw new Error(`redis connection is ${options.redis.status}`);
      const counts = await withTimeout(Promise.all(names.map((name) => handle(name).getJobCounts(...QUEUE_DEPTH_STATES))), timeoutMs);
      return names.map((name, index) => ({ name, counts: counts[index]! }));
    } catch {
      return undefined;
    }
  };
  // Both gauges are collected by the same scrape: they share one read.
  let reading: Promise<Counts | undefined> | undefined;
  const current = (): Promise<Counts | undefined> => (reading ??= read().finally(() => { reading = undefined; }));

  new Gauge({
    name: 'vigil_queue_jobs',
    help: 'Jobs in each pipeline queue by state (waiting, active, delayed, failed), read at scrape time.',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      const counts = await current();
      this.reset();
      for (const { name, counts: byState } of counts ?? []) {
        for (const state of QUEUE_DEPTH_STATES) this.set({ queue: name, state }, byState[state] ?? 0);
      }
    },
  });
  new Gauge({
    name: 'vigil_queue_depths_up',
    help: '1 if this scrape read every queue\'s job counts from Redis in time, else 0 (and vigil_queue_jobs is absent).',
    registers: [registry],
    async collect() {
      this.set((await current()) === undefined ? 0 : 1);
    },
  });
  return {
    async close() {
      await Promise.all([...handles.values()].map((queue) => queue.close()));
      handles.clear();
    },
  };
}
