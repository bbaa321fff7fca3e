import type { Logger } from 'pino';
import type { z } from 'zod';
import type { AlertEvent } from '../queues/index.js';
import type { ReceiverAnswer } from './errors.js';

/**
 * What every channel renders from: one notification for one channel. Channels never see
 * queue jobs or routes, so a new channel only has to turn this into its own request.
 */
export interface Notification {
  /**
   * The notification's idempotency key: the same for every attempt and every replica sending
   * this notification, so a receiver can drop a repeat (Standard Webhooks `webhook-id`).
   */
  id: string;
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
  /** The time of this attempt; tests pin it. */
  now?: Date;
}

/** The fields every channel's configuration has (channel-config.ts adds them). */
export interface ChannelBase {
  id: string;
  type: string;
  timeoutMs: number;
  /** At most `max` notifications per `perMs` to this channel; the rest wait their turn. */
  rateLimit?: { max: number; perMs: number };
}

/**
 * One kind of destination, in one folder under libs/channels: its configuration schema (with
 * defaults and templates), and send(), which resolves with the receiver's answer once it
 * accepted the notification and throws a ChannelError otherwise: ChannelPermanentError when
 * sending again cannot help, ChannelRetryableError when a later attempt may succeed.
 */
export interface Channel<T extends string, S extends z.ZodType<ChannelBase & { type: T }>> {
  readonly type: T;
  readonly schema: S;
  send(config: z.output<S>, notification: Notification, ctx: SendContext): Promise<ReceiverAnswer>;
}

/** Types a channel definition against its own schema. */
export function defineChannel<const T extends string, S extends z.ZodType<ChannelBase & { type: T }>>(channel: Channel<T, S>): Channel<T, S> {
  return channel;
}
