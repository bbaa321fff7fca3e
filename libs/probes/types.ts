import type { CheckConfig, CheckType } from '../config/index.js';
import type { ErrorClass, ProbeOutcome, ProbeTimings } from '../queues/index.js';

export type { ProbeOutcome } from '../queues/index.js';

/** Facts an outcome carries besides ok/class/message/timings, pass or fail. */
export type OutcomeFacts = Pick<ProbeOutcome, 'statusCode' | 'certDaysLeft' | 'lossPercent'>;

export type CheckOf<T extends CheckType> = Extract<CheckConfig, { type: T }>;

/** One implementation per check type (libs/probes/<type>.ts), registered in registry.ts. */
export interface Probe<T extends CheckType> {
  run(check: CheckOf<T>): Promise<ProbeOutcome>;
}

export function success(timings: ProbeTimings, facts: OutcomeFacts = {}): ProbeOutcome {
  return { ok: true, timings, ...definedFacts(facts) };
}

export function failure(errorClass: ErrorClass, message: string, timings: ProbeTimings, facts: OutcomeFacts = {}): ProbeOutcome {
  return { ok: false, errorClass, message, timings, ...definedFacts(facts) };
}

function definedFacts(facts: OutcomeFacts): OutcomeFacts {
  return Object.fromEntries(Object.entries(facts).filter(([, value]) => value !== undefined));
}

/** Milliseconds with two decimals: loopback phases take well under one. */
export function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/** Elapsed and remaining time of one probe, all against the check's timeout. */
export interface Clock {
  /** performance.now() when the probe started. */
  readonly startedAt: number;
  /** performance.now() past which the probe has failed with a timeout. */
  readonly deadline: number;
  elapsed(): number;
  remaining(): number;
}

export function startClock(timeoutMs: number): Clock {
  const startedAt = performance.now();
  return {
    startedAt,
    deadline: startedAt + timeoutMs,
    elapsed: () => roundMs(performance.now() - startedAt),
    remaining: () => Math.max(0, startedAt + timeoutMs - performance.now()),
  };
}

/** A JSON-ish value shown in a failure message, cut to a readable length. */
export function shortValue(value: unknown, max = 80): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}
