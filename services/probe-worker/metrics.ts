/**
 * The probe worker's Prometheus metrics. Labelled by check type and outcome only, never by
 * check id: ids grow with the configuration (10,000 checks would be 10,000 series per
 * histogram bucket), and per-check history is what InfluxDB is for.
 */
import { Counter, Histogram } from 'prom-client';
import type { ProbeResult } from '../../libs/queues/index.js';
import type { MetricsRegistry } from '../../libs/self-monitoring/registry.js';

/** "ok", or the failure's class (timeout, dns, refused, ... from ERROR_CLASSES): a fixed set. */
export function probeOutcomeOf(result: Pick<ProbeResult, 'ok' | 'errorClass'>): string {
  if (result.ok) return 'ok';
  return result.errorClass ?? 'other';
}

export interface ProbeMetrics {
  /** One probe that ran (up or down). */
  probed(result: Pick<ProbeResult, 'ok' | 'errorClass' | 'checkType' | 'timings'>): void;
  /** Probes dropped because they could not start in time. */
  dropped(count: number): void;
}

/** From a few ms on loopback to the longest timeouts checks have. */
const DURATION_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createProbeMetrics(registry: MetricsRegistry): ProbeMetrics {
  const labelNames = ['check_type', 'outcome'] as const;
  const results = new Counter({ name: 'vigil_probe_results_total', help: 'Probes run, by check type and outcome (ok or the failure class).', labelNames, registers: [registry] });
  const durations = new Histogram({ name: 'vigil_probe_duration_seconds', help: 'How long probes took (for icmp: the average round trip), by check type and outcome.', labelNames, buckets: DURATION_BUCKETS_SECONDS, registers: [registry] });
  const dropped = new Counter({ name: 'vigil_probes_dropped_total', help: 'Probes not run because they could not start in time (the worker was behind or the target host busy).', registers: [registry] });
  return {
    probed(result) {
      const labels = { check_type: result.checkType, outcome: probeOutcomeOf(result) };
      results.inc(labels);
      durations.observe(labels, result.timings.totalMs / 1_000);
    },
    dropped(count) {
      if (count > 0) dropped.inc(count);
    },
  };
}
