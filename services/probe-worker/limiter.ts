/**
 * Bounds probes in flight per process and per target host, so one slow host cannot take
 * every slot. Waiters are served in arrival order among those whose host has room.
 */
export class ProbeLimiter {
  private inFlight = 0;
  private readonly perHost = new Map<string, number>();
  private readonly waiting: Array<{ host: string; wake: () => void }> = [];

  constructor(private readonly maxInFlight: number, private readonly maxPerHost: number) {}

  /** Resolves with a release function once the probe may start. */
  async acquire(host: string): Promise<() => void> {
    if (this.hasRoom(host)) this.take(host);
    else await new Promise<void>((wake) => this.waiting.push({ host, wake }));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.give(host);
    };
  }

  get active(): number {
    return this.inFlight;
  }

  private hasRoom(host: string): boolean {
    return this.inFlight < this.maxInFlight && (this.perHost.get(host) ?? 0) < this.maxPerHost;
  }

  private take(host: string): void {
    this.inFlight += 1;
    this.perHost.set(host, (this.perHost.get(host) ?? 0) + 1);
  }

  private give(host: string): void {
    this.inFlight -= 1;
    const left = (this.perHost.get(host) ?? 1) - 1;
    if (left === 0) this.perHost.delete(host);
    else this.perHost.set(host, left);
    this.wakeNext();
  }

  /** Places are taken on the waiter's behalf before it wakes, so no newcomer can jump in between. */
  private wakeNext(): void {
    for (;;) {
      const index = this.waiting.findIndex((waiter) => this.hasRoom(waiter.host));
      if (index < 0) return;
      const [waiter] = this.waiting.splice(index, 1);
      this.take(waiter!.host);
      waiter!.wake();
    }
  }
}
