import type { Redis } from 'ioredis';
import { REDIS_KEYS } from '../../libs/redis-keys.js';

/**
 * A channel's rate limit, shared by every notifier replica: at most `max` notifications per
 * window of `perMs` (a fixed window that starts with its first notification). Returns 0 when
 * this notification may go now, else how long to wait for the next window.
 */
const TAKE_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if count <= tonumber(ARGV[1]) then return 0 end
redis.call('DECR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return ttl`;

export async function takeRateSlot(redis: Redis, channelId: string, limit: { max: number; perMs: number }): Promise<number> {
  return await redis.eval(TAKE_SCRIPT, 1, REDIS_KEYS.channelRate(channelId), String(limit.max), String(limit.perMs)) as number;
}
