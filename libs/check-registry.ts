import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { CheckConfig } from './config/index.js';
import { REDIS_KEYS } from './redis-keys.js';

/**
 * The check registry: every check's definition in one Redis hash, written by the scheduler,
 * read by probe workers. Probe jobs then carry only ids and spec hashes, so a job holds a
 * whole slot of checks cheaply and workers on any host need no configuration file.
 */

/** What the evaluator keeps state for: a check as probed from one region ("shop-api@eu"). */
export function checkInRegion(checkId: string, region: string): string {
  return `${checkId}@${region}`;
}

/** The inverse of checkInRegion ("@" cannot be part of a check id). */
export function parseSubject(subject: string): { checkId: string; region: string } {
  const at = subject.indexOf('@');
  return at < 0 ? { checkId: subject, region: '' } : { checkId: subject.slice(0, at), region: subject.slice(at + 1) };
}

export function specHashOf(check: CheckConfig): string {
  return createHash('sha256').update(JSON.stringify(check)).digest('hex').slice(0, 16);
}

/** Writes the registry when its content changed, or when Redis lost it. */
export async function publishChecks(redis: Redis, checks: CheckConfig[]): Promise<boolean> {
  const entries = checks.map((check) => [check.id, JSON.stringify(check)] as const);
  const sha = createHash('sha256').update(JSON.stringify(entries)).digest('hex').slice(0, 16);
  if ((await redis.get(REDIS_KEYS.checksSha)) === sha) return false;
  const transaction = redis.multi().del(REDIS_KEYS.checks);
  if (entries.length > 0) transaction.hset(REDIS_KEYS.checks, Object.fromEntries(entries));
  await transaction.set(REDIS_KEYS.checksSha, sha).exec();
  return true;
}

/**
 * A probe worker's copy of the registry: a check is fetched when first seen or when a job
 * names a spec hash the cached copy does not have. One HMGET serves a whole slot.
 */
export class CheckCache {
  private readonly cache = new Map<string, { specHash: string; check: CheckConfig }>();

  constructor(private readonly redis: Redis) {}

  /**
   * The checks of a slot. One removed since the slot was planned is left out when this worker
   * has to read it; a copy already cached under the same spec hash is served without a read
   * (that is the point of the cache), so a slot planned before the removal may probe it once
   * more, which is harmless: the evaluator only measures results of checks it does not know.
   */
  async resolve(wanted: Array<{ id: string; specHash: string }>): Promise<CheckConfig[]> {
    const stale = wanted.filter((entry) => this.cache.get(entry.id)?.specHash !== entry.specHash).map((entry) => entry.id);
    if (stale.length > 0) {
      const texts = await this.redis.hmget(REDIS_KEYS.checks, ...stale);
      stale.forEach((id, index) => {
        const text = texts[index];
        if (text === null || text === undefined) {
          this.cache.delete(id);
          return;
        }
        const check = JSON.parse(text) as CheckConfig;
        this.cache.set(id, { specHash: specHashOf(check), check });
      });
    }
    return wanted.flatMap((entry) => {
      const cached = this.cache.get(entry.id);
      return cached ? [cached.check] : [];
    });
  }
}
