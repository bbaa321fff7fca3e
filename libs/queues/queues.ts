import { Queue, UnrecoverableError, Worker, type Job, type JobsOptions, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { payloadSchemas, type QueueKind, type QueuePayloads } from './payloads.js';

/** BullMQ keys live under this prefix, apart from Vigil's own keys (libs/redis-keys.ts). */
export const QUEUE_PREFIX = 'vigilq';
export const DEFAULT_REGION = 'default';

export function queueName(kind: QueueKind, region = DEFAULT_REGION): string {
  return kind === 'probes' ? `probes-${region}` : kind;
}

/** Probe slots and result batches are many and large: keep only enough to inspect. */
const RETAIN_COMPLETED = { age: 3_600, count: 100 };
const RETAIN_FAILED = { age: 7 * 86_400, count: 10_000 };

/**
 * Retry policy per queue. Down targets are not failures, so a probe job only fails on an
 * infrastructure error; everything downstream of a probe retries long enough to ride out
 * a restart of InfluxDB, Redis or a receiver (capped exponential backoff, see backoffDelayMs).
 */
export const JOB_OPTIONS: Record<QueueKind, JobsOptions> = {
  probes: { attempts: 2, backoff: { type: 'capped' }, removeOnComplete: RETAIN_COMPLETED, removeOnFail: RETAIN_FAILED },
  results: { attempts: 20, backoff: { type: 'capped' }, removeOnComplete: RETAIN_COMPLETED, removeOnFail: RETAIN_FAILED },
  alerts: { attempts: 50, backoff: { type: 'capped' }, removeOnComplete: { age: 86_400, count: 10_000 }, removeOnFail: RETAIN_FAILED },
  'group-flushes': { attempts: 50, backoff: { type: 'capped' }, removeOnComplete: { age: 86_400, count: 10_000 }, removeOnFail: RETAIN_FAILED },
  deliveries: { attempts: 50, backoff: { type: 'capped' }, removeOnComplete: { age: 86_400, count: 10_000 }, removeOnFail: RETAIN_FAILED },
};

export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_MAX_MS = 5 * 60_000;

/**
 * 1s, 2s, 4s ... capped at 5 minutes, each drawn from its upper half at random (jitter), so
 * jobs that failed together (a receiver restart) do not all come back in the same instant:
 * 50 attempts span about 3 to 4 hours.
 */
export function backoffDelayMs(attemptsMade: number, baseMs = BACKOFF_BASE_MS, maxMs = BACKOFF_MAX_MS, random = Math.random): number {
  const ceiling = Math.min(baseMs * 2 ** Math.max(0, attemptsMade - 1), maxMs);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * The delay before the next attempt: what the failure asked for when it says (a receiver's
 * Retry-After, carried as `retryAfterMs` on the error), else the jittered backoff.
 */
export function retryDelayMs(attemptsMade: number, err: unknown, baseMs = BACKOFF_BASE_MS): number {
  const asked = (err as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  if (typeof asked === 'number' && Number.isFinite(asked) && asked >= 0) return asked;
  return backoffDelayMs(attemptsMade, baseMs);
}

export function createQueue<K extends QueueKind>(kind: K, connection: Redis, region?: string): Queue<QueuePayloads[K]> {
  return new Queue<QueuePayloads[K]>(queueName(kind, region), {
    connection,
    prefix: QUEUE_PREFIX,
    defaultJobOptions: JOB_OPTIONS[kind],
  });
}

/** Joins id parts with a character ids cannot contain; BullMQ forbids ":" in custom ids. */
export function jobIdOf(...parts: Array<string | number>): string {
  return parts.join('|');
}

/** The time a scheduler-made probe job was due: BullMQ names them "repeat:<scheduler>:<millis>". */
export function scheduledAtOf(job: Pick<Job, 'id' | 'timestamp'>): number {
  const millis = Number(job.id?.split(':').pop());
  return Number.isFinite(millis) && millis > 0 ? millis : job.timestamp;
}

/** `token` is the job's lock token, for processors that move their job (moveToDelayed). */
export type Processor<K extends QueueKind> = (data: QueuePayloads[K], job: Job<QueuePayloads[K]>, token?: string) => Promise<void>;

export interface WorkerSettings {
  concurrency?: number;
  region?: string;
  /** Tests shorten the retry backoff; production keeps the defaults. */
  backoffBaseMs?: number;
  extra?: Partial<WorkerOptions>;
}

/**
 * A worker whose processor only ever sees a validated payload: the schema's output (unknown
 * keys stripped), not the raw `job.data`. A payload that fails validation can never
 * succeed, so it fails at once (UnrecoverableError) with the reason.
 */
/** Minutes of per-minute job counts each queue keeps (BullMQ worker metrics, a few KB per queue). */
export const WORKER_METRICS_MINUTES = 24 * 60;

export function createWorker<K extends QueueKind>(kind: K, connection: Redis, processor: Processor<K>, settings: WorkerSettings = {}): Worker<QueuePayloads[K]> {
  const schema = payloadSchemas[kind];
  const baseMs = settings.backoffBaseMs ?? BACKOFF_BASE_MS;
  return new Worker<QueuePayloads[K]>(
    queueName(kind, settings.region),
    async (job, token) => {
      const parsed = schema.safeParse(job.data);
      if (!parsed.success) {
        const where = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(payload)'}: ${issue.message}`).join('; ');
        throw new UnrecoverableError(`invalid ${kind} payload: ${where}`);
      }
      // payloadSchemas satisfies a schema per kind whose output is that kind's payload type (payloads.ts);
      // TypeScript cannot narrow that through a generic K, hence the cast.
      await processor(parsed.data as QueuePayloads[K], job, token);
    },
    {
      connection,
      prefix: QUEUE_PREFIX,
      concurrency: settings.concurrency ?? 1,
      settings: { backoffStrategy: (attemptsMade: number, _type?: string, err?: Error) => retryDelayMs(attemptsMade, err, baseMs) },
      // Completed and failed jobs per minute, kept a day: GET /api/v1/queues shows the rates.
      metrics: { maxDataPoints: WORKER_METRICS_MINUTES },
      ...settings.extra,
    },
  );
}
