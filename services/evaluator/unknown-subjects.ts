import type { Logger } from 'pino';

/** How often the same unknown subject is reported again. */
export const UNKNOWN_REPORT_EVERY_MS = 10 * 60_000;
/** Subjects remembered at most, so a flood of made-up ids cannot grow memory without bound. */
const MAX_REMEMBERED = 10_000;

/**
 * Results for a check (or a region of it) that the configuration does not have: a probe run
 * just before the check was removed, a producer on another configuration, or a typo in an
 * external agent's check id. They are measured but change no state; this says so in the log,
 * once per subject every 10 minutes rather than once per result.
 */
export class UnknownSubjects {
  private readonly lastReported = new Map<string, number>();

  constructor(private readonly log: Logger, private readonly everyMs = UNKNOWN_REPORT_EVERY_MS) {}

  /** Subjects ("<check>@<region>") to report now; records them as reported. */
  due(subjects: Iterable<string>, nowMs: number): string[] {
    const due: string[] = [];
    for (const subject of new Set(subjects)) {
      const last = this.lastReported.get(subject);
      if (last !== undefined && nowMs - last < this.everyMs) continue;
      if (this.lastReported.size >= MAX_REMEMBERED) this.lastReported.clear();
      this.lastReported.set(subject, nowMs);
      due.push(subject);
    }
    return due;
  }

  report(subjects: Iterable<string>, nowMs = Date.now()): void {
    const due = this.due(subjects, nowMs);
    if (due.length > 0) this.log.warn({ subjects: due.slice(0, 20), count: due.length }, 'results for checks or regions not in the configuration: measured, no state kept');
  }
}
