/**
 * The watcher's Prometheus metrics. Observations are labelled by kind only (event, lines,
 * stat, problem): watch ids and paths are the configuration's and the file system's, and
 * would make a series per file.
 */
import { Counter } from 'prom-client';
import type { WatchObservation } from '../../libs/queues/index.js';
import type { MetricsRegistry } from '../../libs/self-monitoring/registry.js';

export interface WatcherMetrics {
  /** Observations now on the results queue. */
  queued(observations: readonly WatchObservation[]): void;
}

export function createWatcherMetrics(registry: MetricsRegistry): WatcherMetrics {
  const observations = new Counter({
    name: 'vigil_watch_observations_total',
    help: 'Watch observations queued for the evaluator, by kind (event, lines, stat, problem).',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  return {
    queued(queued) {
      for (const observation of queued) observations.inc({ kind: observation.kind });
    },
  };
}
