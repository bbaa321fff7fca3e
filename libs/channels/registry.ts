import type { z } from 'zod';
import type { ReceiverAnswer } from './errors.js';
import type { Notification, SendContext } from './types.js';
import { discord } from './discord/index.js';
import { email } from './email/index.js';
import { log } from './log/index.js';
import { mattermost } from './mattermost/index.js';
import { ntfy } from './ntfy/index.js';
import { opsgenie } from './opsgenie/index.js';
import { pagerduty } from './pagerduty/index.js';
import { slack } from './slack/index.js';
import { teams } from './teams/index.js';
import { telegram } from './telegram/index.js';
import { webhook } from './webhook/index.js';

/**
 * Every channel type, once. Adding a channel: its folder, and one entry here (docs/CHANNELS.md).
 * The configuration schema is built from this list, so a type the configuration accepts
 * always has an implementation.
 */
export const CHANNEL_LIST = [webhook, slack, discord, teams, mattermost, pagerduty, opsgenie, telegram, ntfy, email, log] as const;

type AnyChannel = (typeof CHANNEL_LIST)[number];
export type ChannelConfig = z.output<AnyChannel['schema']>;
export type ChannelType = ChannelConfig['type'];
export type ChannelConfigOf<T extends ChannelType> = Extract<ChannelConfig, { type: T }>;

export const CHANNEL_TYPES = CHANNEL_LIST.map((channel) => channel.type) as ReadonlyArray<ChannelType>;

const BY_TYPE = new Map<string, AnyChannel>(CHANNEL_LIST.map((channel) => [channel.type, channel]));

/** Sends through the implementation matching config.type. */
export function sendNotification(config: ChannelConfig, notification: Notification, ctx: SendContext): Promise<ReceiverAnswer> {
  const channel = BY_TYPE.get(config.type);
  if (channel === undefined) throw new Error(`no channel implementation for type "${config.type}"`);
  return (channel.send as (config: ChannelConfig, notification: Notification, ctx: SendContext) => Promise<ReceiverAnswer>)(config, notification, ctx);
}
