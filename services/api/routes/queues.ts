/**
 * GET /queues: every pipeline queue with its job counts, completed and failed jobs per minute
 * (BullMQ's worker metrics, libs/queues createWorker) and its job schedulers, for operators and
 * the dashboard. Read-only handles: looking never creates or alters a queue.
 */
import { Queue, type Metrics } from 'bullmq';
import { z } from 'zod';
import { QUEUE_PREFIX } from '../../../libs/queues/index.js';
import { pipelineQueues } from '../../../libs/self-monitoring/queue-depths.js';
import type { ApiContext } from '../context.js';
import { isoOf } from '../context.js';
import { defineRoute, type AnyRoute } from '../route.js';

export const QUEUE_COUNT_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'failed', 'completed', 'paused'] as const;
/** Minutes of rates shown, newest first. */
export const RATE_MINUTES = 15;
/** Schedulers listed per queue, soonest first (a probes queue has one per slot: hundreds). */
export const SCHEDULERS_SHOWN = 20;

const queueSummary = z.object({
  name: z.string(),
  paused: z.boolean(),
  counts: z.record(z.enum(QUEUE_COUNT_STATES), z.number()),
  perMinute: z.object({
    completed: z.array(z.number()).describe(`Jobs completed per minute, the minute running now first, up to ${RATE_MINUTES}`),
    failed: z.array(z.number()),
  }),
  schedulers: z.object({
    count: z.number(),
    next: z.array(z.object({ id: z.string(), everyMs: z.number().optional(), pattern: z.string().optional(), nextRunAt: z.string().optional() })),
  }),
}).meta({ id: 'Queue' });

/**
 * BullMQ adds a minute's point only once the minute is over; its running total (meta.count)
 * less the total at the last point (prevCount) is the minute running now, shown first.
 */
function perMinuteOf(metrics: Metrics): number[] {
  const running = Math.max(0, Number(metrics.meta.count) - Number(metrics.meta.prevCount));
  return [running, ...metrics.data.map(Number)].slice(0, RATE_MINUTES);
}

async function summaryOf(queue: Queue): Promise<z.output<typeof queueSummary>> {
  const [counts, paused, completed, failed, schedulerCount, schedulers] = await Promise.all([
    queue.getJobCounts(...QUEUE_COUNT_STATES),
    queue.isPaused(),
    queue.getMetrics('completed', 0, RATE_MINUTES - 1),
    queue.getMetrics('failed', 0, RATE_MINUTES - 1),
    queue.getJobSchedulersCount(),
    queue.getJobSchedulers(0, SCHEDULERS_SHOWN - 1, true),
  ]);
  return {
    name: queue.name,
    paused,
    counts: Object.fromEntries(QUEUE_COUNT_STATES.map((state) => [state, counts[state] ?? 0])) as Record<(typeof QUEUE_COUNT_STATES)[number], number>,
    perMinute: { completed: perMinuteOf(completed), failed: perMinuteOf(failed) },
    schedulers: {
      count: schedulerCount,
      next: schedulers.map((scheduler) => ({
        id: scheduler.id ?? scheduler.key,
        ...(scheduler.every === undefined ? {} : { everyMs: Number(scheduler.every) }),
        ...(scheduler.pattern === undefined ? {} : { pattern: scheduler.pattern }),
        ...(scheduler.next === undefined ? {} : { nextRunAt: isoOf(Number(scheduler.next))! }),
      })),
    },
  };
}

export function queueRoutes(ctx: ApiContext): AnyRoute[] {
  const handles = new Map<string, Queue>();
  const handle = (name: string): Queue => {
    let queue = handles.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: ctx.redis, prefix: QUEUE_PREFIX, skipMetasUpdate: true });
      // Errors reach the awaited calls; an unhandled 'error' event would end the process.
      queue.on('error', () => undefined);
      handles.set(name, queue);
    }
    return queue;
  };
  return [
    defineRoute({
      method: 'GET', path: '/queues', access: 'read', summary: 'Every pipeline queue: job counts, jobs per minute, job schedulers',
      response: z.object({ queues: z.array(queueSummary) }),
      async handler() {
        return { queues: await Promise.all(pipelineQueues(ctx.config().checks).map((name) => summaryOf(handle(name)))) };
      },
    }),
  ];
}
