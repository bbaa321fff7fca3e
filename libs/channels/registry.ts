import type { Channel, ChannelConfigOf, ChannelType, Notification, SendContext } from './types.js';
import { webhook } from './webhook.js';

type ChannelRegistry = { [T in ChannelType]: Channel<ChannelConfigOf<T>> };

/** Every channel type, once: a type in the config schema without an implementation does not compile. */
export const CHANNELS = { webhook } satisfies ChannelRegistry;

/** Sends through the implementation matching config.type. */
export function sendNotification<T extends ChannelType>(config: ChannelConfigOf<T>, notification: Notification, ctx: SendContext): Promise<void> {
  const registry: ChannelRegistry = CHANNELS;
  const channel: Channel<ChannelConfigOf<T>> = registry[config.type as T];
  return channel.send(config, notification, ctx);
}
