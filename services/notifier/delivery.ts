import { UnrecoverableError } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { alreadyNotified, notificationIdOf, recordNotified } from '../../libs/alerts/index.js';
import { ChannelError, sendNotification } from '../../libs/channels/index.js';
import type { Config } from '../../libs/config/index.js';
import type { Processor } from '../../libs/queues/index.js';

export const DEFAULT_EXTERNAL_URL = 'http://localhost';

export function externalUrlFrom(env: NodeJS.ProcessEnv = process.env): string {
  return env.VIGIL_EXTERNAL_URL || DEFAULT_EXTERNAL_URL;
}

export interface DeliveryDeps {
  /** For the notification log (libs/alerts). */
  redis: Redis;
  getConfig: () => Config;
  externalUrl: string;
  log: Logger;
}

/**
 * deliveries → a receiver. The channel is looked up in the configuration running now, so
 * URLs and secrets come from the file and the environment, never from a job in Redis.
 * A failed send throws and BullMQ retries with backoff; a send that can never succeed fails
 * the job at once.
 */
export function deliveryProcessor({ redis, getConfig, externalUrl, log }: DeliveryDeps): Processor<'deliveries'> {
  return async (delivery, job) => {
    const { channelId } = delivery;
    const channel = getConfig().channels.find((candidate) => candidate.id === channelId);
    if (channel === undefined) {
      throw new UnrecoverableError(`channel "${channelId}" is not in the current configuration (removed or renamed after the alert was routed); notification dropped`);
    }
    const jobLog = log.child({ channelId, jobId: job.id });
    const sent = await alreadyNotified(redis, channelId, delivery.groupKey, delivery.alerts);
    const alerts = delivery.alerts.filter((alert) => !sent.includes(alert));
    if (alerts.length === 0) {
      jobLog.info({ fingerprint: delivery.alerts.map((alert) => alert.fingerprint).join(',') }, 'already notified (notification log); not sent again');
      return;
    }
    try {
      await sendNotification(channel, {
        id: notificationIdOf(channelId, delivery.groupKey, alerts),
        receiver: channelId,
        groupKey: delivery.groupKey,
        groupLabels: delivery.groupLabels,
        alerts,
        externalURL: externalUrl,
      }, { log: jobLog });
    } catch (err) {
      // Translated, not swallowed: BullMQ only skips the remaining attempts for its own class.
      if (err instanceof ChannelError && err.code === 'CHANNEL_PERMANENT') throw new UnrecoverableError(err.message);
      throw err;
    }
    // A crash between the send and this line sends once more on retry: at least once, never lost.
    await recordNotified(redis, channelId, delivery.groupKey, alerts);
    jobLog.info({ fingerprint: alerts.map((alert) => alert.fingerprint).join(','), attempts: job.attemptsMade + 1 }, 'notification delivered');
  };
}
