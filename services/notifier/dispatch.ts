import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { transitionIdOf } from '../../libs/alerts/index.js';
import type { Config } from '../../libs/config/index.js';
import { jobIdOf, type AlertEvent, type DeliveryJob, type Processor } from '../../libs/queues/index.js';
import { routeAlert } from './routing.js';

/**
 * The deliveries-queue id of one alert transition for one channel. BullMQ ignores an add
 * whose id it still holds (completed jobs are kept a day), so a retried or re-sent alert job
 * cannot notify twice.
 */
export function deliveryJobIdOf(channelId: string, alert: Pick<AlertEvent, 'fingerprint' | 'status' | 'startsAt' | 'labels'>): string {
  return jobIdOf(channelId, ...transitionIdOf(alert));
}

export interface DispatchDeps {
  deliveries: Queue<DeliveryJob>;
  getConfig: () => Config;
  log: Logger;
}

/** alerts → deliveries: one delivery job per channel the routes pick. */
export function dispatchProcessor({ deliveries, getConfig, log }: DispatchDeps): Processor<'alerts'> {
  return async (data, job) => {
    const alert = alertEventOf(data);
    const { routes, channels } = getConfig();
    const jobLog = log.child({ jobId: job.id, fingerprint: alert.fingerprint, status: alert.status });
    const decision = routeAlert(alert, routes, channels.map((channel) => channel.id));

    if (!decision.matched) {
      // A configuration gap, not a failure: retrying cannot make a route appear.
      jobLog.warn({ labels: alert.labels }, 'alert matched no route; nobody is notified');
      return;
    }
    if (decision.deliveries.length === 0) {
      if (channels.length === 0) jobLog.warn('no channels are configured; nobody is notified');
      else jobLog.info('no channel wants this notification (sendResolved: false)');
      return;
    }

    await deliveries.addBulk(decision.deliveries.map((target) => ({
      name: target.channelId,
      data: { channelId: target.channelId, groupKey: target.groupKey, groupLabels: target.groupLabels, alerts: [alert] },
      opts: { jobId: deliveryJobIdOf(target.channelId, alert) },
    })));
    jobLog.info({ channelIds: decision.deliveries.map((target) => target.channelId) }, 'alert dispatched');
  };
}

/** Only the fields Vigil defines travel on, whatever else a producer put in the job. */
function alertEventOf(data: AlertEvent): AlertEvent {
  const { fingerprint, status, labels, annotations, startsAt, endsAt } = data;
  return { fingerprint, status, labels, annotations, startsAt, ...(endsAt === undefined ? {} : { endsAt }) };
}
