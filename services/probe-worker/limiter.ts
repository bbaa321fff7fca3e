/**
 * Bounds probes in flight per process and per target host, so one slow host cannot take
 * every place, and sheds what cannot start in time.
 *
 * Every waiter has a time limit: one still waiting when it passes is answered "too late"
 * (undefined) without ever starting, so an overloaded worker spends nothing on probes it
 * cannot run in time. Which limit depends on what it waits for. Waiting for room at its own
 * host (the per-host cap) says nothing about this worker, and may last until `deadlineMs`
 * (the probe's interval). Waiting while its host has room means the worker as a whole is
 * full: that is lateness of the worker, limited by `startByMs`. Under overload the queue is served newest first (adaptive LIFO):
 * with first-in-first-out every probe that runs would have waited nearly its whole deadline,
 * so a worker that fell behind would measure only stale probes and never catch up; newest
 * first keeps the probes that do run on time and lets the oldest expire. While the queue
 * drains quickly (its oldest waiter is younger than lifoAfterMs) it is served in order.
 *
 * Every operation is O(1) amortized whatever the backlog: waiters queue per host, and hosts
 * with room and waiters take turns from a ring.
 */
export type Release = () => void;

/** When a probe must have started. */
export interface StartLimits {
  /** While the process is full (the worker is behind). */
  startByMs: number;
  /** While its host is full. */
  deadlineMs: number;
}

interface Waiter {
  expiresAt: number;
  enqueuedAt: number;
  grant: (release: Release | undefined) => void;
}

interface HostLine {
  name: string;
  active: number;
  waiting: Deque<Waiter>;
  /** In the ring of hosts that have waiters and room. */
  ready: boolean;
}

/** When the oldest waiter has waited this long, the queue counts as backed up. */
export const DEFAULT_LIFO_AFTER_MS = 100;

export class ProbeLimiter {
  private inFlight = 0;
  private queued = 0;
  private readonly hosts = new Map<string, HostLine>();
  private readonly ring = new Deque<HostLine>();

  constructor(
    private readonly maxInFlight: number,
    private readonly maxPerHost: number,
    private readonly lifoAfterMs = DEFAULT_LIFO_AFTER_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Resolves with a release function once the probe may start, or with undefined when its
   * limit (epoch ms, see StartLimits) passes first.
   */
  acquire(host: string, limits: StartLimits): Promise<Release | undefined> {
    const now = this.now();
    if (now > limits.startByMs) return Promise.resolve(undefined);
    const line = this.lineOf(host);
    if (line.waiting.length === 0 && this.hasRoom(line)) return Promise.resolve(this.take(line));
    const expiresAt = line.active < this.maxPerHost ? limits.startByMs : limits.deadlineMs;
    return new Promise((grant) => {
      line.waiting.pushBack({ expiresAt, enqueuedAt: now, grant });
      this.queued += 1;
      this.markReady(line);
    });
  }

  get active(): number {
    return this.inFlight;
  }

  /** Probes waiting for a place. */
  get waiting(): number {
    return this.queued;
  }

  private lineOf(host: string): HostLine {
    let line = this.hosts.get(host);
    if (!line) {
      line = { name: host, active: 0, waiting: new Deque(), ready: false };
      this.hosts.set(host, line);
    }
    return line;
  }

  private hasRoom(line: HostLine): boolean {
    return this.inFlight < this.maxInFlight && line.active < this.maxPerHost;
  }

  private take(line: HostLine): Release {
    this.inFlight += 1;
    line.active += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight -= 1;
      line.active -= 1;
      this.markReady(line);
      this.serve();
      if (line.active === 0 && line.waiting.length === 0 && !line.ready) this.hosts.delete(line.name);
    };
  }

  private markReady(line: HostLine): void {
    if (line.ready || line.waiting.length === 0 || line.active >= this.maxPerHost) return;
    line.ready = true;
    this.ring.pushBack(line);
  }

  /** Places are taken on the waiter's behalf before it wakes, so no newcomer can jump in between. */
  private serve(): void {
    while (this.inFlight < this.maxInFlight && this.ring.length > 0) {
      const line = this.ring.popFront()!;
      line.ready = false;
      const waiter = this.nextWaiter(line);
      if (waiter) waiter.grant(this.take(line));
      this.markReady(line);
    }
  }

  /** Answers expired waiters at the front, then picks oldest or newest by how backed up the line is. */
  private nextWaiter(line: HostLine): Waiter | undefined {
    const now = this.now();
    for (;;) {
      const oldest = line.waiting.peekFront();
      if (!oldest) return undefined;
      if (now <= oldest.expiresAt) break;
      line.waiting.popFront();
      this.queued -= 1;
      oldest.grant(undefined);
    }
    const backedUp = now - line.waiting.peekFront()!.enqueuedAt > this.lifoAfterMs;
    for (;;) {
      const waiter = backedUp ? line.waiting.popBack() : line.waiting.popFront();
      if (!waiter) return undefined;
      this.queued -= 1;
      if (now <= waiter.expiresAt) return waiter;
      waiter.grant(undefined);
    }
  }
}

/** A double-ended queue over an array with a moving head: O(1) at both ends. */
class Deque<T> {
  private items: Array<T | undefined> = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  pushBack(item: T): void {
    this.items.push(item);
  }

  peekFront(): T | undefined {
    return this.length > 0 ? this.items[this.head] : undefined;
  }

  popFront(): T | undefined {
    if (this.length === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head += 1;
    this.compact();
    return item;
  }

  popBack(): T | undefined {
    if (this.length === 0) return undefined;
    const item = this.items.pop();
    this.compact();
    return item;
  }

  private compact(): void {
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1_024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
