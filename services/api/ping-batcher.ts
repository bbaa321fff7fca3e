/**
 * Gathers pings into jobs on `results` the way a database groups commits: a ping arriving while
 * no job is being queued goes out at once (no added latency when quiet); pings arriving while
 * one is being queued wait for it and go out together as the next job. At thousands of pings a
 * second that is one BullMQ add per batch instead of per ping, which was most of the api's CPU.
 * A ping's request is answered only once its batch is queued, so an answered ping is never lost;
 * a failed add fails every request of that batch.
 */
import type { Queue } from 'bullmq';
import type { HeartbeatPing, ObservationBatch } from '../../libs/queues/index.js';

/** A batch's upper size, so one job stays small whatever the load. */
export const PING_BATCH_MAX = 500;

interface Pending {
  pings: HeartbeatPing[];
  done: Promise<void>;
  settle(err?: unknown): void;
}

export class PingBatcher {
  private waiting: Pending[] = [];
  private sending: Promise<void> | undefined;

  constructor(private readonly results: Queue<ObservationBatch>, private readonly max = PING_BATCH_MAX) {}

  /** Resolves once the ping is on the queue. */
  add(ping: HeartbeatPing): Promise<void> {
    let pending = this.waiting.at(-1);
    if (!pending || pending.pings.length >= this.max) this.waiting.push((pending = newPending()));
    pending.pings.push(ping);
    if (!this.sending) this.sending = this.drain();
    return pending.done;
  }

  /** Resolves once every ping added so far is queued (or has failed): on close. */
  async flush(): Promise<void> {
    while (this.sending) await this.sending;
  }

  private async drain(): Promise<void> {
    // Yield once, so pings of the same event-loop turn share the first job.
    await Promise.resolve();
    for (let pending = this.waiting.shift(); pending; pending = this.waiting.shift()) {
      try {
        await this.results.add('heartbeat', { source: 'heartbeat', pings: pending.pings });
        pending.settle();
      } catch (err) {
        pending.settle(err);
      }
    }
    this.sending = undefined;
  }
}

function newPending(): Pending {
  let settle!: (err?: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    settle = (err) => (err === undefined ? resolve() : reject(err));
  });
  // Each request awaits it; this keeps a batch no one awaits any more from an unhandled rejection.
  done.catch(() => undefined);
  return { pings: [], done, settle };
}
