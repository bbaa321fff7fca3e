import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { REDIS_KEYS } from '../redis-keys.js';
import { MetricsWriteError, type MetricsWriter } from './writer.js';
import { releaseLock, renewLock, takeLock } from '../redis-lock.js';

/**
 * Points wait in a Redis list until InfluxDB has acknowledged them, so an InfluxDB outage
 * or a killed writer delays data and never drops it. Producers RPUSH at the tail; one
 * flusher at a time (a lock with a TTL) reads from the head, writes, and only then trims
 * what was written. Rewriting a batch after a crash is harmless: a point with the same
 * series and timestamp overwrites itself.
 */

/** Trims only while the caller still holds the lock, so a flusher that lost it cannot drop another's work. */
const TRIM_IF_OWNER = `
if redis.call('GET', KEYS[2]) == ARGV[1] then
  redis.call('LTRIM', KEYS[1], tonumber(ARGV[2]), -1)
  return 1
end
return 0`;

export interface FlusherOptions {
  redis: Redis;
  writer: MetricsWriter;
  log: Logger;
  batchSize?: number;
  /** How long to wait when the buffer is empty. */
  idleMs?: number;
  lockTtlMs?: number;
  maxBackoffMs?: number;
}

export class MetricsFlusher {
  private stopped = false;
  private loop: Promise<void> | undefined;
  private readonly token = randomUUID();
  private wake: (() => void) | undefined;

  constructor(private readonly options: FlusherOptions) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops after the batch in flight; what is still buffered stays in Redis for the next flusher. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    await releaseLock(this.options.redis, REDIS_KEYS.metricsFlushLock, this.token).catch(() => undefined);
  }

  private async run(): Promise<void> {
    const { log } = this.options;
    let failures = 0;
    let prepared = false;
    while (!this.stopped) {
      let waitMs = this.options.idleMs ?? 1_000;
      try {
        if (await this.holdLock()) {
          if (!prepared) {
            await this.options.writer.prepare();
            prepared = true;
          }
          const written = await this.flushOnce();
          if (failures > 0) log.info({ target: this.options.writer.target, afterFailures: failures }, 'metrics writes resumed');
          failures = 0;
          if (written === (this.options.batchSize ?? 5_000)) waitMs = 0;
        }
      } catch (err) {
        failures += 1;
        waitMs = Math.min(1_000 * 2 ** Math.min(failures - 1, 10), this.options.maxBackoffMs ?? 30_000);
        if (err instanceof MetricsWriteError && err.retryAfterMs !== undefined) waitMs = Math.max(waitMs, err.retryAfterMs);
        const buffered = await this.options.redis.llen(REDIS_KEYS.metricsBuffer).catch(() => undefined);
        log.warn({ err, target: this.options.writer.target, failures, retryInMs: waitMs, buffered }, 'metrics write failed; points stay buffered in Redis');
      }
      if (waitMs > 0) await this.sleep(waitMs);
    }
  }

  private async holdLock(): Promise<boolean> {
    const { redis } = this.options;
    // Short, so a flusher that died hands over soon; a slow write that outlives it only risks
    // a harmless second write of the same points, never a trim of unwritten ones.
    const ttlMs = this.options.lockTtlMs ?? 15_000;
    if (await renewLock(redis, REDIS_KEYS.metricsFlushLock, this.token, ttlMs)) return true;
    return takeLock(redis, REDIS_KEYS.metricsFlushLock, this.token, ttlMs);
  }

  /** Writes one batch from the head of the buffer; returns how many lines it took off. */
  private async flushOnce(): Promise<number> {
    const { redis, writer, log } = this.options;
    const batchSize = this.options.batchSize ?? 5_000;
    const lines = await redis.lrange(REDIS_KEYS.metricsBuffer, 0, batchSize - 1);
    if (lines.length === 0) return 0;
    await writeIsolatingRejects(writer, lines, log);
    await redis.eval(TRIM_IF_OWNER, 2, REDIS_KEYS.metricsBuffer, REDIS_KEYS.metricsFlushLock, this.token, String(lines.length));
    return lines.length;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/**
 * Writes a batch; when InfluxDB refuses it as malformed (4xx), halves it until the bad lines
 * are alone, writes the rest and drops only those, each logged. Resending a refused line can
 * never succeed, and one bad point must not cost its 4,999 neighbours.
 */
async function writeIsolatingRejects(writer: MetricsWriter, lines: string[], log: Logger): Promise<void> {
  try {
    await writer.write(lines);
  } catch (err) {
    if (!(err instanceof MetricsWriteError) || err.retryable) throw err;
    if (lines.length === 1) {
      log.error({ err, line: lines[0] }, 'InfluxDB rejected a point; dropping it');
      return;
    }
    const half = Math.ceil(lines.length / 2);
    await writeIsolatingRejects(writer, lines.slice(0, half), log);
    await writeIsolatingRejects(writer, lines.slice(half), log);
  }
}
