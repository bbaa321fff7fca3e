/**
 * Ping tokens of heartbeat checks: made by Vigil (never written in the configuration, so a
 * copied file leaks none), 192 random bits, kept in Redis so every api replica and restart
 * agrees. A ping is found by the sha256 of its token (REDIS_KEYS.heartbeatDigests; services/api/routes/ping.ts): one hash
 * lookup, and the time it takes says nothing about how much of a token was right.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { REDIS_KEYS } from '../redis-keys.js';

export const PING_TOKEN_BYTES = 24;

export function tokenDigest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The check's ping token, made on first use; two callers racing get the same one (HSETNX). */
export async function heartbeatTokenOf(redis: Redis, checkId: string): Promise<string> {
  await redis.hsetnx(REDIS_KEYS.heartbeatTokens, checkId, randomBytes(PING_TOKEN_BYTES).toString('base64url'));
  const token = (await redis.hget(REDIS_KEYS.heartbeatTokens, checkId))!;
  // Written every time (the same field and value for every caller), so a token whose digest a crash left unwritten still works.
  await redis.hset(REDIS_KEYS.heartbeatDigests, tokenDigest(token), checkId);
  return token;
}

/** The path of a check's ping endpoint under the api's origin. */
export const pingPathOf = (token: string): string => `/api/v1/ping/${token}`;
