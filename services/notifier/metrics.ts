/**
 * The notifier's Prometheus metrics. Deliveries are labelled by channel id and outcome: channel
 * ids come from the configuration's channels list (a handful, unlike check ids), and say which
 * receiver is failing, which the channel type alone would not.
 */
import { Counter } from 'prom-client';
import type { DeliveryOutcome } from '../../libs/alerts/delivery-log.js';
import type { MetricsRegistry } from '../../libs/self-monitoring/registry.js';

export interface NotifierMetrics {
  /** One delivery attempt and how it ended (delivered, retrying, failed), as the delivery log records it. */
  attempted(channel: string, outcome: DeliveryOutcome): void;
}

export function createNotifierMetrics(registry: MetricsRegistry): NotifierMetrics {
  const deliveries = new Counter({
    name: 'vigil_deliveries_total',
    help: 'Notification delivery attempts, by channel and outcome (delivered, retrying, failed).',
    labelNames: ['channel', 'outcome'] as const,
    registers: [registry],
  });
  return {
    attempted(channel, outcome) {
      deliveries.inc({ channel, outcome });
    },
  };
}
