import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { Redis } from 'ioredis';

/**
 * Every test file gets its own Redis database on the shared real redis-server, so files
 * run in parallel without seeing each other's queues and keys.
 */
export async function isolatedRedisUrl(): Promise<string> {
  const base = inject('redisUrl');
  const admin = new Redis(base, { maxRetriesPerRequest: 1 });
  try {
    const db = await admin.incr('vigil-test:next-db');
    if (db >= 1024) throw new Error('more test files than Redis databases; raise --databases in global-setup');
    return `${base}/${db}`;
  } finally {
    admin.disconnect();
  }
}

export function influxUrl(): string {
  return inject('influxUrl');
}

/** A fresh InfluxDB database name per test file. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

export async function eventually<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}
