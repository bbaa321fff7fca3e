/**
 * The evaluator's Prometheus metrics. Alert transitions are labelled by alertname and status
 * only: alertnames are Vigil's own fixed set (CheckDown, NoData, LatencyHigh, ...), while
 * check, watch, host or path labels would make one series per subject.
 */
import { Counter } from 'prom-client';
import type { AlertEvent } from '../../libs/queues/index.js';
import type { MetricsRegistry } from '../../libs/self-monitoring/registry.js';

export interface EvaluatorMetrics {
  /** Transitions that reached the alerts queue, each counted once across evaluators (alert-outbox.ts). */
  forwarded(events: readonly AlertEvent[]): void;
}

export function createEvaluatorMetrics(registry: MetricsRegistry): EvaluatorMetrics {
  const transitions = new Counter({
    name: 'vigil_alert_transitions_total',
    help: 'Alert transitions handed to the notifier, by alertname and status (firing, resolved).',
    labelNames: ['alertname', 'status'] as const,
    registers: [registry],
  });
  return {
    forwarded(events) {
      for (const event of events) transitions.inc({ alertname: event.labels.alertname ?? 'unknown', status: event.status });
    },
  };
}
