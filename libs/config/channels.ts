import { z } from 'zod';
import { CHANNEL_LIST, CHANNEL_TYPES } from '../channels/registry.js';

export { CHANNEL_TYPES };

/** Each channel owns its schema (libs/channels/<type>/); the configuration takes their union. */
export const channel = z.discriminatedUnion('type', CHANNEL_LIST.map((item) => item.schema) as unknown as [typeof CHANNEL_LIST[number]['schema']], {
  error: () => `expected one of ${CHANNEL_TYPES.map((t) => `"${t}"`).join(', ')}`,
});

export type { ChannelConfig } from '../channels/registry.js';
export type { WebhookChannelConfig } from '../channels/webhook/index.js';
