/**
 * Gathers the pings one api process receives within a few milliseconds into one job on
 * `results`: at thousands of pings a second, queueing a BullMQ job per ping costs the api most
 * of its CPU. A ping's request is answered only once its batch is queued, so an answered ping
 * is never lost; a failed add fails every request of that batch (each caller sees the error).
 */
import type { Queue } from 'bullmq';
import type { HeartbeatPing, ObservationBatch } from '../../libs/queues/index.js';

/** Long enough to gather a busy second's pings into few jobs, short enough that no one waits on it. */
export const PING_BATCH_WINDOW_MS = 5;
export const PING_BATCH_MAX = 500;

interface Pending {
  pings: HeartbeatPing[];
  done: Promise<void>;
  settle(err?: unknown): void;
}

export class PingBatcher {
  private pending: Pending | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly results: Queue<ObservationBatch>, private readonly windowMs = PING_BATCH_WINDOW_MS, private readonly max = PING_BATCH_MAX) {}

  /** Resolves once the ping is on the queue. */
  add(ping: HeartbeatPing): Promise<void> {
    const pending = this.pending ?? this.open();
    pending.pings.push(ping);
    if (pending.pings.length >= this.max) void this.flush();
    return pending.done;
  }

  /** Queues what is gathered now (on close, so no accepted ping waits on a timer that will not fire). */
  async flush(): Promise<void> {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    clearTimeout(this.timer);
    try {
      await this.results.add('heartbeat', { source: 'heartbeat', pings: pending.pings });
      pending.settle();
    } catch (err) {
      pending.settle(err);
    }
    await pending.done.catch(() => undefined);
  }

  private open(): Pending {
    let settle!: (err?: unknown) => void;
    const done = new Promise<void>((resolve, reject) => {
      settle = (err) => (err === undefined ? resolve() : reject(err));
    });
    // Every caller awaits it; this keeps a batch no one awaits any more from an unhandled rejection.
    done.catch(() => undefined);
    this.pending = { pings: [], done, settle };
    this.timer = setTimeout(() => void this.flush(), this.windowMs);
    return this.pending;
  }
}
