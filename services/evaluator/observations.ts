/**
 * The adapters from each source on the observation path (libs/queues ObservationBatch) to what
 * the evaluator's rules read. Probe results today; a file event or a heartbeat adds an adapter
 * here and goes through the same state machine, rules and alert store.
 */
import type { ProbeResult } from '../../libs/queues/index.js';
import type { Reading } from './rules/measured-rule.js';

export function readingOf(result: ProbeResult): Reading {
  return {
    atMs: result.scheduledAt,
    ok: result.ok,
    ...(result.ok ? { responseMs: result.timings.totalMs } : {}),
    ...(result.certDaysLeft === undefined ? {} : { certDaysLeft: result.certDaysLeft }),
  };
}

/** Why a result changed its subject's state, as the history records it. */
export function reasonOf(result: ProbeResult): string {
  if (result.ok) return `probe succeeded in ${result.timings.totalMs}ms`;
  return result.message ?? `probe failed (${result.errorClass ?? 'no reason given'})`;
}
