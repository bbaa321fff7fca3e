import type { Queue } from 'bullmq';
import type { ChainableCommander, Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ObservationBatch, WatchObservation } from '../../libs/queues/index.js';
import type { WatcherMetrics } from './metrics.js';

/**
 * What to write to Redis once the observation it rides with is on the queue (an offset, a
 * baseline entry): written after, never before, so a crash in between reports the thing again
 * rather than never (the evaluator drops repeats).
 */
export interface Commit {
  write(pipeline: ChainableCommander): void;
  /** Runs once the write is done (forget what was held in memory until then). */
  done?(): void;
}

interface Entry {
  observation?: WatchObservation;
  commit?: Commit;
}

export interface ObservationSenderOptions {
  queue: Queue<ObservationBatch>;
  redis: Redis;
  log: Logger;
  watchId: string;
  host: string;
  agentStartedAt: number;
  /** A new job id per batch, unique for the agent's life; a retried batch keeps its id, so BullMQ drops a double add. */
  nextJobId: () => string;
  /** One job at most this often: the first observation after a quiet spell goes at once. */
  everyMs?: number;
  maxBatch?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Counts queued observations for /metrics; none: not counted. */
  metrics?: WatcherMetrics;
}

export const SEND_EVERY_MS = 50;
export const MAX_BATCH = 500;
/** Above this many observations waiting, tails stop reading until the queue has taken them. */
export const BACKLOG_HIGH = 5_000;
const BACKLOG_LOW = 1_000;

/**
 * Collects one watch's observations and queues them on `results` in order, as one job per
 * batch. A failed add (Redis away) is retried with backoff for as long as it takes, never
 * dropped; the commits of a batch are written only after its add resolved.
 */
export class ObservationSender {
  private entries: Entry[] = [];
  private lastSentAtMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private closing = false;
  private abandoned = false;
  private roomWaiters: Array<() => void> = [];
  private readonly everyMs: number;
  private readonly maxBatch: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;

  constructor(private readonly options: ObservationSenderOptions) {
    this.everyMs = options.everyMs ?? SEND_EVERY_MS;
    this.maxBatch = options.maxBatch ?? MAX_BATCH;
    this.retryBaseMs = options.retryBaseMs ?? 100;
    this.retryMaxMs = options.retryMaxMs ?? 5_000;
  }

  send(observation: WatchObservation, commit?: Commit): void {
    this.push(commit === undefined ? { observation } : { observation, commit });
  }

  /** A Redis write with no news to carry, kept in order with the observations before it. */
  commit(commit: Commit): void {
    this.push({ commit });
  }

  /** Observations waiting, in flight included. */
  get backlog(): number {
    return this.entries.length;
  }

  /** Resolves once the backlog is small again (at once when it is). */
  async roomy(): Promise<void> {
    if (this.entries.length < BACKLOG_HIGH) return;
    await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
  }

  /** Resolves once everything sent so far is queued and committed (tests, shutdown). */
  async flushed(): Promise<void> {
    while (this.entries.length > 0 && !this.abandoned) {
      this.schedule(0);
      await (this.sending ?? new Promise((resolve) => setTimeout(resolve, 5)));
    }
  }

  /** Sends what is waiting, for at most graceMs (Redis may be away), then stops. */
  async close(graceMs = 5_000): Promise<void> {
    this.closing = true;
    let timeout: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'timeout'>((resolve) => { timeout = setTimeout(() => resolve('timeout'), graceMs); });
    const outcome = await Promise.race([this.flushed().then(() => 'flushed' as const), gaveUp]);
    clearTimeout(timeout);
    clearTimeout(this.timer);
    // Nothing more goes out: a watch removed next has its keys deleted, and a late commit would bring them back.
    this.abandoned = true;
    if (outcome === 'timeout' && this.entries.length > 0) {
      this.options.log.warn({ watchId: this.options.watchId, waiting: this.entries.length },
        `watch ${this.options.watchId}: stopping with observations not yet queued; they are reported again from the stored offsets and baseline`);
    }
    this.releaseWaiters();
  }

  private push(entry: Entry): void {
    if (this.abandoned) return;
    this.entries.push(entry);
    this.schedule(this.entries.length >= this.maxBatch ? 0 : Math.max(0, this.lastSentAtMs + this.everyMs - Date.now()));
  }

  private schedule(delayMs: number): void {
    if (this.sending !== undefined) return;
    if (this.timer !== undefined && delayMs > 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.sending = this.sendAll().finally(() => {
        this.sending = undefined;
        if (this.entries.length > 0 && !this.abandoned) this.schedule(Math.max(0, this.lastSentAtMs + this.everyMs - Date.now()));
      });
    }, delayMs);
  }

  private async sendAll(): Promise<void> {
    while (this.entries.length > 0 && !this.abandoned) {
      const batch = this.entries.slice(0, this.takeCount());
      const observations = batch.flatMap((entry) => (entry.observation === undefined ? [] : [entry.observation]));
      if (observations.length > 0) await this.retrying('queue observations', (jobId) => this.add(jobId, observations), this.options.nextJobId());
      if (this.abandoned) return;
      const commits = batch.flatMap((entry) => (entry.commit === undefined ? [] : [entry.commit]));
      if (commits.length > 0) await this.retrying('save offsets and baselines', () => this.write(commits), '');
      if (this.abandoned) return;
      this.entries.splice(0, batch.length);
      if (observations.length > 0) this.lastSentAtMs = Date.now();
      for (const commit of commits) commit.done?.();
      if (this.entries.length < BACKLOG_LOW) this.releaseWaiters();
      // Pace: what came in meanwhile waits for the next slot unless it already fills a batch.
      if (this.entries.length < this.maxBatch && !this.closing) return;
    }
  }

  private takeCount(): number {
    let observations = 0;
    let count = 0;
    for (const entry of this.entries) {
      if (entry.observation !== undefined && observations === this.maxBatch) break;
      if (entry.observation !== undefined) observations += 1;
      count += 1;
    }
    return count;
  }

  private async add(jobId: string, observations: WatchObservation[]): Promise<void> {
    const { watchId, host, agentStartedAt } = this.options;
    await this.options.queue.add('watch', { source: 'watch', watchId, host, agentStartedAt, observations }, { jobId });
    this.options.metrics?.queued(observations);
  }

  private async write(commits: Commit[]): Promise<void> {
    const pipeline = this.options.redis.pipeline();
    for (const commit of commits) commit.write(pipeline);
    for (const [err] of (await pipeline.exec()) ?? []) if (err) throw err;
  }

  private async retrying(what: string, attempt: (jobId: string) => Promise<void>, jobId: string): Promise<void> {
    for (let failures = 0; !this.abandoned; failures += 1) {
      try {
        await attempt(jobId);
        return;
      } catch (err) {
        const waitMs = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** failures);
        this.options.log.warn({ err, watchId: this.options.watchId, waiting: this.entries.length, retryInMs: waitMs },
          `watch ${this.options.watchId}: could not ${what}; retrying`);
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    }
  }

  private releaseWaiters(): void {
    for (const resolve of this.roomWaiters.splice(0)) resolve();
  }
}
