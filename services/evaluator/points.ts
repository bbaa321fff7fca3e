import { toLine } from '../../libs/metrics/index.js';
import type { ProbeResult, WatchObservation, WatchObservationBatch } from '../../libs/queues/index.js';
import type { CheckStatus } from './state-machine.js';

export const PROBE_MEASUREMENT = 'probe';

/**
 * One point per probe result, stamped with the probe's scheduled time so a retried job
 * overwrites its own point. Tags are bounded (check, type, region); anything per-result
 * (error text, status) is a field, so series cardinality does not grow with failures.
 */
export function probePoint(result: ProbeResult, state: CheckStatus): string {
  return toLine({
    measurement: PROBE_MEASUREMENT,
    tags: { check: result.checkId, check_type: result.checkType, region: result.region },
    fields: {
      success: result.ok,
      state,
      status_code: result.statusCode === undefined ? undefined : { int: result.statusCode },
      error_class: result.errorClass,
      dns_ms: result.timings.dnsMs,
      connect_ms: result.timings.connectMs,
      tls_ms: result.timings.tlsMs,
      first_byte_ms: result.timings.firstByteMs,
      total_ms: result.timings.totalMs,
      cert_days_left: result.certDaysLeft,
      loss_percent: result.lossPercent,
      start_delay_ms: { int: result.startedAt - result.scheduledAt },
    },
    timestampMs: result.scheduledAt,
  });
}

export const DROPPED_MEASUREMENT = 'probes_dropped';

/**
 * A probe worker's count of probes it could not start in time, stamped with the end of its
 * report window. Two workers of a region reporting in the same millisecond would overwrite
 * each other; with one report per worker every 10 s that is rare enough to accept.
 */
export function droppedPoint(region: string, dropped: { count: number; toMs: number }): string {
  return toLine({ measurement: DROPPED_MEASUREMENT, tags: { region }, fields: { count: { int: dropped.count } }, timestampMs: dropped.toMs });
}

export const STATE_CHANGE_MEASUREMENT = 'state_change';

/** The long record of a subject's state changes, stamped with the observation that caused each. */
export function stateChangePoint(checkId: string, region: string, change: { atMs: number; from: string; to: string; reason?: string }): string {
  return toLine({
    measurement: STATE_CHANGE_MEASUREMENT,
    tags: { check: checkId, region },
    fields: { from: change.from, to: change.to, reason: change.reason },
    timestampMs: change.atMs,
  });
}

export const WATCH_MEASUREMENT = 'watch';

/**
 * One point per batch of a file agent, stamped with its newest observation: how much the watch
 * saw (events, stats, lines read and matched, problems). Tags are the watch and host only; paths
 * would make a series per file.
 */
export function watchPoint(batch: WatchObservationBatch): string {
  const count = (kind: WatchObservation['kind']) => batch.observations.filter((observation) => observation.kind === kind).length;
  const lines = batch.observations.filter((observation) => observation.kind === 'lines');
  return toLine({
    measurement: WATCH_MEASUREMENT,
    tags: { watch: batch.watchId, host: batch.host },
    fields: {
      events: { int: count('event') },
      stats: { int: count('stat') },
      problems: { int: count('problem') },
      lines_read: { int: lines.reduce((sum, observation) => sum + observation.read, 0) },
      lines_matched: { int: lines.reduce((sum, observation) => sum + observation.matched, 0) },
    },
    timestampMs: Math.max(...batch.observations.map((observation) => observation.atMs)),
  });
}
