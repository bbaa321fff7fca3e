import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { parse as parseYaml } from 'yaml';
import { readConfigStatus } from '../../libs/config-sync.js';
import { QUEUE_PREFIX } from '../../libs/queues/index.js';

export interface QueueStats {
  name: string;
  waiting: number;
  active: number;
  delayed: number;
  completed: number;
  failed: number;
  schedulers: number;
  paused: boolean;
}

export interface FailedJob {
  id: string;
  name: string;
  /** Attempts made so far, and how many the job was allowed. */
  attempts: number;
  maxAttempts: number;
  failedReason: string;
  /** Epoch ms. */
  finishedOn: number | null;
}

export interface FailedListing {
  queue: string;
  /** All failed jobs in the queue; `jobs` holds the newest `limit` of them. */
  total: number;
  jobs: FailedJob[];
}

export interface RetryOutcome {
  queue: string;
  retried: number;
}

export const COUNTED_STATES = ['waiting', 'active', 'delayed', 'completed', 'failed'] as const;

/**
 * A Queue handle for inspection only: skipMetasUpdate keeps it from writing the queue's meta
 * hash, so looking at a queue never creates or alters it. The shared connection stays open
 * when the handle closes.
 */
async function withQueue<T>(redis: Redis, name: string, use: (queue: Queue) => Promise<T>): Promise<T> {
  const queue = new Queue(name, { connection: redis, prefix: QUEUE_PREFIX, skipMetasUpdate: true });
  // Errors surface through the awaited calls; without a listener an 'error' event would crash the CLI.
  queue.on('error', () => {});
  try {
    return await use(queue);
  } finally {
    await queue.close();
  }
}

export async function queueStats(redis: Redis, names: readonly string[]): Promise<QueueStats[]> {
  return Promise.all(names.map((name) => withQueue(redis, name, async (queue) => {
    const [counts, schedulers, paused] = await Promise.all([
      queue.getJobCounts(...COUNTED_STATES),
      queue.getJobSchedulersCount(),
      queue.isPaused(),
    ]);
    const count = (state: (typeof COUNTED_STATES)[number]): number => counts[state] ?? 0;
    return {
      name,
      waiting: count('waiting'),
      active: count('active'),
      delayed: count('delayed'),
      completed: count('completed'),
      failed: count('failed'),
      schedulers,
      paused,
    };
  })));
}

/** The newest `limit` failed jobs, newest first. */
export async function failedJobs(redis: Redis, name: string, limit: number): Promise<FailedListing> {
  return withQueue(redis, name, async (queue) => {
    const [total, jobs] = await Promise.all([queue.getFailedCount(), queue.getFailed(0, limit - 1)]);
    return {
      queue: name,
      total,
      jobs: jobs.map((job) => ({
        id: job.id ?? '',
        name: job.name,
        attempts: job.attemptsMade,
        maxAttempts: job.opts.attempts ?? 1,
        failedReason: job.failedReason ?? '',
        finishedOn: job.finishedOn ?? null,
      })),
    };
  });
}

/**
 * Moves every job that had failed by now back to waiting. Queue.retryJobs does not say how
 * many it moved, so the failed set (scored by finish time) is counted up to the same instant;
 * a job failing meanwhile is neither counted nor retried.
 */
export async function retryFailed(redis: Redis, name: string, now = Date.now()): Promise<RetryOutcome> {
  return withQueue(redis, name, async (queue) => {
    const retried = await redis.zcount(queue.toKey('failed'), 0, now);
    await queue.retryJobs({ state: 'failed', timestamp: now });
    return { queue: name, retried };
  });
}

export interface ConfigReport {
  /** null before the watcher has published a configuration. */
  running: {
    version: number;
    sha: string;
    source: string;
    acceptedAt: string | null;
    checks: number;
    watches: number;
    channels: number;
  } | null;
  /** The last edit rejected since the running configuration was accepted, if any. */
  rejected: { sha: string; source: string; at: string; problems: string[] } | null;
}

export async function configReport(redis: Redis): Promise<ConfigReport> {
  const { running, rejected } = await readConfigStatus(redis);
  return {
    running: running ? {
      version: running.version,
      sha: running.sha,
      source: running.source,
      acceptedAt: running.acceptedAt ?? null,
      ...sectionCounts(running.text),
    } : null,
    rejected: rejected ? { sha: rejected.sha, source: rejected.source, at: new Date(rejected.atMs).toISOString(), problems: rejected.problems } : null,
  };
}

/**
 * Counted from the YAML alone: the stored text may reference \${SECRET}s this shell does not
 * have, and the watcher validated it already.
 */
function sectionCounts(text: string): { checks: number; watches: number; channels: number } {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch {
    data = undefined;
  }
  const count = (section: string): number => {
    const value = typeof data === 'object' && data !== null ? (data as Record<string, unknown>)[section] : undefined;
    return Array.isArray(value) ? value.length : 0;
  };
  return { checks: count('checks'), watches: count('watches'), channels: count('channels') };
}
