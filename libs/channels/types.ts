import type { Logger } from 'pino';
import type { ChannelConfig } from '../config/index.js';
import type { AlertEvent } from '../queues/index.js';

/**
 * What every channel renders from: one notification for one channel. Channels never see
 * queue jobs or routes, so a new channel only has to turn this into its own request.
 */
export interface Notification {
  /** The channel id; Alertmanager calls this the receiver. */
  receiver: string;
  groupKey: string;
  groupLabels: Record<string, string>;
  alerts: AlertEvent[];
  /** Where people reach Vigil (VIGIL_EXTERNAL_URL); links in messages point here. */
  externalURL: string;
}

export interface SendContext {
  log: Logger;
  /** Aborts the send early (shutdown); each channel also enforces its own timeoutMs. */
  signal?: AbortSignal;
}

/**
 * One kind of destination. send() resolves once the receiver accepted the notification and
 * throws a ChannelError otherwise: ChannelPermanentError when sending again cannot help,
 * ChannelRetryableError when a later attempt may succeed.
 */
export interface Channel<C extends ChannelConfig> {
  readonly type: C['type'];
  send(config: C, notification: Notification, ctx: SendContext): Promise<void>;
}

export type ChannelType = ChannelConfig['type'];
export type ChannelConfigOf<T extends ChannelType> = Extract<ChannelConfig, { type: T }>;
