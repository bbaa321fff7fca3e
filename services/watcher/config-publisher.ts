import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { REDIS_KEYS } from '../../libs/redis-keys.js';
import type { RunningService } from '../../libs/service.js';
import { watchConfigFile } from './config-watch.js';
import { releaseLock, renewLock, takeLock } from '../../libs/redis-lock.js';

/**
 * One configuration publisher across hosts: watchers on several hosts would otherwise each
 * publish their own copy of the file over the others'. The active one holds a lock in Redis
 * with a TTL and renews it; the others stand by and take the lock once it is released or
 * has expired, so a publisher that died is replaced within about one TTL.
 */

/** Long enough to ride out a slow Redis or a paused process; short enough that a dead publisher is replaced soon. */
export const DEFAULT_LOCK_TTL_MS = 10_000;
/** How often a standby tries to take the lock. */
const STANDBY_RETRY_MS = 1_000;

export interface ConfigPublisherOptions {
  path: string;
  redis: Redis;
  log: Logger;
  env?: NodeJS.ProcessEnv;
  debounceMs?: number;
  /** The lock outlives a publisher that stopped renewing it by this much; renewed every third of it. */
  lockTtlMs?: number;
}

export interface ConfigPublisher extends RunningService {
  /** True while this process holds the lock and watches the file. */
  readonly active: boolean;
}

export async function startConfigPublisher(options: ConfigPublisherOptions): Promise<ConfigPublisher> {
  const { path, redis, log } = options;
  const ttlMs = options.lockTtlMs ?? DEFAULT_LOCK_TTL_MS;
  const renewEveryMs = Math.max(1, Math.floor(ttlMs / 3));
  const retryEveryMs = Math.min(STANDBY_RETRY_MS, renewEveryMs);
  const owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  let watching: RunningService | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let step: Promise<void> = Promise.resolve();

  const take = (): Promise<boolean> => takeLock(redis, REDIS_KEYS.configPublisherLock, owner, ttlMs);

  /** Renews the lock; a lock that expired meanwhile (a paused process, a Redis restart) is taken again if nobody else has. */
  const keep = async (): Promise<boolean> => {
    if (await renewLock(redis, REDIS_KEYS.configPublisherLock, owner, ttlMs)) return true;
    return take();
  };

  const release = (): Promise<void> => releaseLock(redis, REDIS_KEYS.configPublisherLock, owner);

  const becomeActive = async (): Promise<void> => {
    log.info({ owner, path }, 'configuration publisher active: watching the configuration file');
    try {
      watching = await watchConfigFile({ path, redis, log, env: options.env, debounceMs: options.debounceMs });
    } catch (err) {
      // Holding the lock without watching would block every standby: hand it on.
      await release();
      throw err;
    }
  };

  const standDown = async (): Promise<void> => {
    const holder = await redis.get(REDIS_KEYS.configPublisherLock);
    log.warn({ owner, holder, path }, 'configuration publisher lock lost to another watcher; stopped watching, standing by');
    const current = watching;
    watching = undefined;
    await current?.close();
  };

  const once = async (): Promise<void> => {
    if (watching) {
      if (!(await keep())) await standDown();
      return;
    }
    if (await take()) await becomeActive();
  };

  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      step = once()
        .catch((err: unknown) => log.error({ err, owner }, 'configuration publisher lock check failed; trying again'))
        .finally(schedule);
    }, watching ? renewEveryMs : retryEveryMs);
  };

  await once();
  if (!watching) log.info({ owner, holder: await redis.get(REDIS_KEYS.configPublisherLock) }, 'configuration publisher standing by: another watcher publishes');
  schedule();

  return {
    get active() {
      return watching !== undefined;
    },
    async close() {
      stopped = true;
      clearTimeout(timer);
      await step;
      const current = watching;
      watching = undefined;
      await current?.close();
      // Released only after the last publish, so a standby taking over never races this one;
      // when Redis is unreachable the lock simply expires.
      await release().catch((err: unknown) => log.warn({ err, owner }, 'could not release the configuration publisher lock'));
    },
  };
}
