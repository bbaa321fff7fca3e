import type { CheckConfig, CheckType } from '../config/index.js';
import type { ErrorClass, ProbeTimings } from '../queues/index.js';

/** What one probe found. A down target is an outcome with ok: false, never a thrown error. */
export interface ProbeOutcome {
  ok: boolean;
  errorClass?: ErrorClass;
  message?: string;
  statusCode?: number;
  timings: ProbeTimings;
}

export type CheckOf<T extends CheckType> = Extract<CheckConfig, { type: T }>;

/** One implementation per check type (libs/probes/<type>.ts), registered in registry.ts. */
export interface Probe<T extends CheckType> {
  run(check: CheckOf<T>): Promise<ProbeOutcome>;
}

export function failure(errorClass: ErrorClass, message: string, timings: ProbeTimings, statusCode?: number): ProbeOutcome {
  return { ok: false, errorClass, message, timings, ...(statusCode === undefined ? {} : { statusCode }) };
}
