import type { Logger } from 'pino';

/** How often a worker reports the probes it dropped: one log line and one count per window. */
export const DROP_REPORT_EVERY_MS = 10_000;

/**
 * Counts probes that could not start in time and reports them once per window, not once per
 * slot: an overloaded worker must not spend its last CPU on a log line and a Redis write per
 * slot it sheds. A report that could not be sent is kept and added to the next one.
 */
export class DropTally {
  private count = 0;
  private since = Date.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: Logger,
    private readonly send: (count: number, fromMs: number, toMs: number) => Promise<void>,
    private readonly everyMs = DROP_REPORT_EVERY_MS,
  ) {}

  add(count: number): void {
    this.count += count;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.report(), this.everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.report();
  }

  async report(): Promise<void> {
    if (this.count === 0) return;
    const [count, fromMs, toMs] = [this.count, this.since, Date.now()];
    this.count = 0;
    this.since = toMs;
    try {
      await this.send(count, fromMs, toMs);
      this.log.warn({ dropped: count, windowMs: toMs - fromMs }, 'probes dropped: they could not start within their interval (this worker is over capacity)');
    } catch (err) {
      this.count += count;
      this.since = fromMs;
      this.log.warn({ err, dropped: count }, 'could not report dropped probes; will add them to the next report');
    }
  }
}
