import { z } from 'zod';
import { duration, id, inMs, positiveInt } from '../config/fields.js';

/** Every channel's timeout unless it says otherwise. */
export const DEFAULT_CHANNEL_TIMEOUT_MS = 10_000;

const rateLimit = inMs(z.strictObject({
  max: positiveInt,
  per: duration,
}), ['per']);

/**
 * The keys every channel's configuration has; a channel's schema spreads them into its own
 * strict object and lists 'timeout' (and its own durations) for inMs:
 *
 *   inMs(z.strictObject({ ...channelFields('slack'), url: httpUrl }), ['timeout'])
 */
export function channelFields<const T extends string>(type: T) {
  return {
    id,
    type: z.literal(type),
    timeout: duration.default(DEFAULT_CHANNEL_TIMEOUT_MS),
    /** `{ max: 30, per: 1m }`: at most 30 notifications a minute; the rest wait their turn. */
    rateLimit: rateLimit.optional(),
  };
}
