import { Cron } from 'croner';
import { z } from 'zod';
import { checkSchema, type WithCheckDefaults } from './check-common.js';
import type { ConfigProblem } from './errors.js';
import { duration, inMs, show } from './fields.js';

/**
 * A heartbeat is passive: nothing probes it; the job it watches pings the api service
 * (/api/v1/ping/<token>) and the evaluator's sweeper finds a missed deadline. Either a
 * `period` between successes or a cron `schedule` (in `timezone`, UTC by default), and the
 * `grace` a ping may be late (or a started run may take) before the check is down.
 */
export const HEARTBEAT_REGION = 'heartbeat';

/** A time zone the runtime knows (Intl), so a typo is found when the file is read, not at the first deadline. */
function knownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Why croner refuses a cron expression, or undefined when it takes it. */
export function cronProblem(schedule: string, timezone?: string): string | undefined {
  try {
    new Cron(schedule, { paused: true, ...(timezone === undefined ? {} : { timezone }) }).stop();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

const timezone = z.string().refine(knownTimeZone, { error: (issue) => `expected an IANA time zone like "Europe/Berlin", got ${show(issue.input)}` });

export const heartbeatCheck = inMs(checkSchema({
  type: z.literal('heartbeat'),
  /** Successes are expected at most this far apart. */
  period: duration.optional(),
  /** Five-field cron expression ("0 3 * * *"): a success is expected at each time it names. */
  schedule: z.string().min(1).optional(),
  timezone: timezone.optional(),
  grace: duration,
}), ['period', 'grace']);

export type HeartbeatCheckConfig = WithCheckDefaults<z.output<typeof heartbeatCheck>>;

export function heartbeatCheckProblems(check: HeartbeatCheckConfig, at: string): ConfigProblem[] {
  if ((check.periodMs === undefined) === (check.schedule === undefined)) {
    return [{ path: at, message: 'a heartbeat needs exactly one of `period` (like "1h") or `schedule` (a cron expression like "0 3 * * *")' }];
  }
  if (check.timezone !== undefined && check.schedule === undefined) {
    return [{ path: `${at}.timezone`, message: '`timezone` applies to a cron `schedule`; a `period` needs none' }];
  }
  if (check.periodMs !== undefined && check.periodMs <= 0) return [{ path: `${at}.period`, message: 'expected a period longer than 0s' }];
  if (check.schedule !== undefined) {
    const problem = cronProblem(check.schedule, check.timezone);
    if (problem !== undefined) return [{ path: `${at}.schedule`, message: `expected a cron expression like "0 3 * * *": ${problem}` }];
  }
  return [];
}
