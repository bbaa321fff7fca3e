/**
 * One Prometheus registry per service process. Every series carries `service` so one
 * Prometheus can scrape all of Vigil's processes and still tell them apart (the scrape adds
 * `instance`). Vigil's own metrics are named vigil_*, counters end in _total and durations
 * are in seconds (Prometheus naming conventions).
 */
import { collectDefaultMetrics, Registry } from 'prom-client';

export type MetricsRegistry = Registry;

/**
 * A registry labelled with the service's name. `defaultMetrics` adds Node's process metrics
 * (CPU, memory, GC, event-loop lag); they cost a timer, so only a process that is scraped
 * (VIGIL_HEALTH_PORT set) collects them.
 */
export function createServiceRegistry(service: string, { defaultMetrics = true }: { defaultMetrics?: boolean } = {}): MetricsRegistry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  // Lag is sampled every 20 ms (prom-client's histogram of event-loop delay).
  if (defaultMetrics) collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  return registry;
}
