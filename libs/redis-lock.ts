import type { Redis } from 'ioredis';

/**
 * A lock with a TTL in one Redis key, held by an owner token: taken with SET NX PX, renewed
 * and released only by the owner that holds it (a Lua compare-and-act), so a process that
 * lost the lock while paused cannot renew or delete the new holder's.
 */

const RENEW_IF_OWNER = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
end
return 0`;

const RELEASE_IF_OWNER = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/** Takes the lock if nobody holds it. */
export async function takeLock(redis: Redis, key: string, owner: string, ttlMs: number): Promise<boolean> {
  return (await redis.set(key, owner, 'PX', ttlMs, 'NX')) === 'OK';
}

/** Extends the lock if `owner` still holds it; false when it expired or another holds it. */
export async function renewLock(redis: Redis, key: string, owner: string, ttlMs: number): Promise<boolean> {
  return (await redis.eval(RENEW_IF_OWNER, 1, key, owner, String(ttlMs))) === 1;
}

/** Releases the lock if `owner` still holds it. */
export async function releaseLock(redis: Redis, key: string, owner: string): Promise<void> {
  await redis.eval(RELEASE_IF_OWNER, 1, key, owner);
}
