import { UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import { ChannelError, sendNotification } from '../../libs/channels/index.js';
import type { Config } from '../../libs/config/index.js';
import type { Processor } from '../../libs/queues/index.js';

export const DEFAULT_EXTERNAL_URL = 'http://localhost';

export function externalUrlFrom(env: NodeJS.ProcessEnv = process.env): string {
  return env.VIGIL_EXTERNAL_URL || DEFAULT_EXTERNAL_URL;
}

export interface DeliveryDeps {
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
export function deliveryProcessor({ getConfig, externalUrl, log }: DeliveryDeps): Processor<'deliveries'> {
  return async (delivery, job) => {
    const { channelId } = delivery;
    const channel = getConfig().channels.find((candidate) => candidate.id === channelId);
    if (channel === undefined) {
      throw new UnrecoverableError(`channel "${channelId}" is not in the current configuration (removed or renamed after the alert was routed); notification dropped`);
    }
    const jobLog = log.child({ channelId, jobId: job.id });
    try {
      await sendNotification(channel, {
        receiver: channelId,
        groupKey: delivery.groupKey,
        groupLabels: delivery.groupLabels,
        alerts: delivery.alerts,
        externalURL: externalUrl,
      }, { log: jobLog });
    } catch (err) {
      // Translated, not swallowed: BullMQ only skips the remaining attempts for its own class.
      if (err instanceof ChannelError && err.code === 'CHANNEL_PERMANENT') throw new UnrecoverableError(err.message);
      throw err;
    }
    jobLog.info({ fingerprint: delivery.alerts.map((alert) => alert.fingerprint).join(','), attempts: job.attemptsMade + 1 }, 'notification delivered');
  };
}
