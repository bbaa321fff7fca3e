/**
 * What a heartbeat ping, or the passing of time, does to a heartbeat check, pure: a success is
 * up, a failure is down, a run started and not finished within grace is down, and no success
 * by the deadline is down. The deadline counts from the last success, or from when the
 * evaluator first saw the check, so a job that never pinged goes down too.
 */
import { Cron } from 'croner';
import { formatDuration } from '../../../libs/config/index.js';
import type { HeartbeatPing } from '../../../libs/queues/index.js';

/** The parts of a heartbeat check's configuration that decide its deadlines. */
export interface HeartbeatSchedule {
  periodMs?: number;
  schedule?: string;
  timezone?: string;
  graceMs: number;
}

export interface HeartbeatView {
  down: boolean;
  /** Epoch ms the evaluator first saw the check: the deadline's start before any success. */
  sinceMs: number;
  lastSuccessMs?: number;
  /** A `start` ping with no success or failure since. */
  runningSinceMs?: number;
}

export type HeartbeatInput = Pick<HeartbeatPing, 'kind' | 'atMs' | 'exitCode'> | { kind: 'tick'; atMs: number };

export type HeartbeatMove = { to: 'down'; reason: string; failingSinceMs: number } | { to: 'up'; reason: string };

export interface HeartbeatDecision {
  view: HeartbeatView;
  /** Set when the check goes down or comes up; absent: no change people would see. */
  move?: HeartbeatMove;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * When the next success is due at the latest (grace included), or undefined for a cron schedule
 * with no time left. Cron: the first time the schedule names after the last success.
 */
export function deadlineOf(schedule: HeartbeatSchedule, view: HeartbeatView): number | undefined {
  const fromMs = view.lastSuccessMs ?? view.sinceMs;
  if (schedule.periodMs !== undefined) return fromMs + schedule.periodMs + schedule.graceMs;
  if (schedule.schedule === undefined) return undefined;
  const next = new Cron(schedule.schedule, { paused: true, ...(schedule.timezone === undefined ? {} : { timezone: schedule.timezone }) }).nextRun(new Date(fromMs));
  return next === null ? undefined : next.getTime() + schedule.graceMs;
}

export function decideHeartbeat(schedule: HeartbeatSchedule, view: HeartbeatView, input: HeartbeatInput): HeartbeatDecision {
  const { runningSinceMs: _running, ...rest } = view;
  switch (input.kind) {
    case 'success': {
      const next: HeartbeatView = { ...rest, down: false, lastSuccessMs: Math.max(input.atMs, view.lastSuccessMs ?? 0) };
      return view.down ? { view: next, move: { to: 'up', reason: `pinged success at ${iso(input.atMs)}` } } : { view: next };
    }
    case 'start':
      return { view: { ...view, runningSinceMs: input.atMs } };
    case 'fail': {
      const next: HeartbeatView = { ...rest, down: true };
      if (view.down) return { view: next };
      const reason = input.exitCode === undefined ? `pinged failure at ${iso(input.atMs)}` : `pinged failure at ${iso(input.atMs)} with exit code ${input.exitCode}`;
      return { view: next, move: { to: 'down', reason, failingSinceMs: input.atMs } };
    }
    case 'tick': {
      const move = view.down ? undefined : lateMove(schedule, view, input.atMs);
      return move === undefined ? { view } : { view: { ...view, down: true }, move };
    }
  }
}

/** The move of a check that is not down yet when time passes: a run over grace, or a missed deadline. */
function lateMove(schedule: HeartbeatSchedule, view: HeartbeatView, nowMs: number): HeartbeatMove | undefined {
  if (view.runningSinceMs !== undefined && nowMs > view.runningSinceMs + schedule.graceMs) {
    return { to: 'down', reason: `started at ${iso(view.runningSinceMs)} and did not finish within grace (${formatDuration(schedule.graceMs)})`, failingSinceMs: view.runningSinceMs + schedule.graceMs };
  }
  const deadlineMs = deadlineOf(schedule, view);
  if (deadlineMs === undefined || nowMs <= deadlineMs) return undefined;
  const since = view.lastSuccessMs === undefined ? `no ping since the check was first seen at ${iso(view.sinceMs)}` : `no success ping since ${iso(view.lastSuccessMs)}`;
  return { to: 'down', reason: `${since}; one was expected by ${iso(deadlineMs)} (grace included)`, failingSinceMs: deadlineMs };
}
