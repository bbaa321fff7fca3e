import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { appendDeliveryLog, deliveryAlertsOf, markDelivered, wasSent, type DeliveryLogEntry } from '../../libs/alerts/index.js';
import { ChannelError, sendNotification } from '../../libs/channels/index.js';
import type { Config } from '../../libs/config/index.js';
import { JOB_OPTIONS, type DeliveryJob, type Processor } from '../../libs/queues/index.js';
import type { NotifierMetrics } from './metrics.js';
import { takeRateSlot } from './rate-limit.js';

export const DEFAULT_EXTERNAL_URL = 'http://localhost';

export function externalUrlFrom(env: NodeJS.ProcessEnv = process.env): string {
  return env.VIGIL_EXTERNAL_URL || DEFAULT_EXTERNAL_URL;
}

export interface DeliveryDeps {
  /** For the notification log and the delivery log (libs/alerts). */
  redis: Redis;
  getConfig: () => Config;
  externalUrl: string;
  log: Logger;
  /** Counts attempts for /metrics; none: not counted. */
  metrics?: NotifierMetrics;
}

/**
 * deliveries → a receiver. The channel is looked up in the configuration running now, so
 * URLs and secrets come from the file and the environment, never from a job in Redis.
 * Exactly once toward people, at least once on the wire: a notification a receiver accepted
 * is marked sent (libs/alerts/notification-log.ts) and never sent again; a crash between the
 * send and the mark sends once more, with the same notification id for the receiver to drop.
 * A failed send throws and BullMQ retries it (backoff with jitter, or the receiver's
 * Retry-After); a send that can never succeed fails at once. Every attempt is in the delivery log.
 */
export function deliveryProcessor({ redis, getConfig, externalUrl, log, metrics }: DeliveryDeps): Processor<'deliveries'> {
  return async (delivery, job, token) => {
    const { channelId, notificationId } = delivery;
    const jobLog = log.child({ channelId, notificationId, jobId: job.id });
    const attempts = job.attemptsMade + 1;
    const entry = (outcome: DeliveryLogEntry['outcome'], extra: Partial<DeliveryLogEntry> = {}): DeliveryLogEntry => ({
      at: new Date().toISOString(), channelId, notificationId, groupKey: delivery.groupKey, alerts: deliveryAlertsOf(delivery.alerts), outcome, attempts, ...extra,
    });

    const channel = getConfig().channels.find((candidate) => candidate.id === channelId);
    if (channel === undefined) {
      const reason = `channel "${channelId}" is not in the current configuration (removed or renamed after the alert was routed); notification dropped`;
      await appendDeliveryLog(redis, entry('failed', { reason }));
      metrics?.attempted(channelId, 'failed');
      throw new UnrecoverableError(reason);
    }
    if (await wasSent(redis, notificationId)) {
      jobLog.info('already accepted by the receiver (notification log); not sent again');
      return;
    }
    if (channel.rateLimit !== undefined) {
      const waitMs = await takeRateSlot(redis, channelId, channel.rateLimit);
      if (waitMs > 0) {
        jobLog.debug({ waitMs }, 'channel rate limit reached; notification waits its turn');
        await job.moveToDelayed(Date.now() + waitMs, token);
        throw new DelayedError();
      }
    }

    try {
      const answer = await sendNotification(channel, {
        id: notificationId, receiver: channelId, groupKey: delivery.groupKey, groupLabels: delivery.groupLabels, alerts: delivery.alerts, externalURL: externalUrl,
      }, { log: jobLog });
      await markDelivered(redis, notificationId, channelId, delivery.groupKey, delivery.alerts, 'sent');
      await appendDeliveryLog(redis, entry('delivered', { answer }));
      metrics?.attempted(channelId, 'delivered');
      jobLog.info({ fingerprint: delivery.alerts.map((alert) => alert.fingerprint).join(','), attempts }, 'notification delivered');
    } catch (err) {
      const outcome = await recordFailure(redis, delivery, job, err, entry);
      metrics?.attempted(channelId, outcome);
      // Translated, not swallowed: BullMQ only skips the remaining attempts for its own class.
      if (err instanceof ChannelError && err.code === 'CHANNEL_PERMANENT') throw new UnrecoverableError(err.message);
      throw err;
    }
  };
}

/** The delivery log entry of a failed attempt, and the notification log told of a final failure; returns the outcome logged. */
async function recordFailure(redis: Redis, delivery: DeliveryJob, job: Job, err: unknown, entry: (outcome: DeliveryLogEntry['outcome'], extra?: Partial<DeliveryLogEntry>) => DeliveryLogEntry): Promise<DeliveryLogEntry['outcome']> {
  const maxAttempts = job.opts.attempts ?? JOB_OPTIONS.deliveries.attempts ?? 1;
  const refused = err instanceof ChannelError && err.code === 'CHANNEL_PERMANENT';
  const final = refused || job.attemptsMade + 1 >= maxAttempts;
  const answer = err instanceof ChannelError ? err.answer : undefined;
  const reason = err instanceof Error ? err.message : String(err);
  await appendDeliveryLog(redis, entry(final ? 'failed' : 'retrying', { reason, ...(answer && (answer.status !== undefined || answer.body !== undefined) ? { answer } : {}) }));
  // Out of retries: the next flush of the group sends these alerts again rather than leave them untold.
  if (final) await markDelivered(redis, delivery.notificationId, delivery.channelId, delivery.groupKey, delivery.alerts, refused ? 'rejected' : 'failed');
  return final ? 'failed' : 'retrying';
}
