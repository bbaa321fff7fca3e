import { Redis, type RedisOptions } from 'ioredis';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export function redisUrlFrom(env: NodeJS.ProcessEnv = process.env): string {
  return env.REDIS_URL ?? DEFAULT_REDIS_URL;
}

/**
 * Services wait for Redis instead of failing (BullMQ requires maxRetriesPerRequest: null for
 * workers, and a service that outlives a Redis restart is what we want everywhere).
 * Command-line tools fail fast so a typo in REDIS_URL is an error, not a hang.
 */
export function createRedis(url: string, role: 'service' | 'cli' = 'service', extra: RedisOptions = {}): Redis {
  const options: RedisOptions = role === 'service'
    ? { maxRetriesPerRequest: null, enableReadyCheck: true, ...extra }
    : { maxRetriesPerRequest: 1, connectTimeout: 3_000, retryStrategy: (times) => (times > 2 ? null : 200), ...extra };
  return new Redis(url, options);
}
