import { z } from 'zod';
import { duration, httpUrl, id, inMs, stringMap, type Same } from './fields.js';

export const CHANNEL_TYPES = ['webhook'] as const;

const webhookChannel = inMs(z.strictObject({
  id,
  type: z.literal('webhook'),
  url: httpUrl,
  headers: stringMap.default(() => ({})),
  timeout: duration.default(10_000),
}), ['timeout']);

export const channel = z.discriminatedUnion('type', [webhookChannel], { error: () => `expected one of ${CHANNEL_TYPES.map((t) => `"${t}"`).join(', ')}` });

export type ChannelConfig = z.output<typeof channel>;
export type WebhookChannelConfig = Extract<ChannelConfig, { type: 'webhook' }>;

/** CHANNEL_TYPES names exactly the types of the union, or this does not compile. */
const typesListed: Same<ChannelConfig['type'], (typeof CHANNEL_TYPES)[number]> = true;
void typesListed;
