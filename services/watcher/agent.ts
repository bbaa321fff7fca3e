import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { WatchConfig } from '../../libs/config/watches.js';
import { createQueue, jobIdOf } from '../../libs/queues/index.js';
import { REDIS_KEYS } from '../../libs/redis-keys.js';
import { configJson, planWatchSet, stateIdOf } from './watch-plan.js';
import type { WatcherMetrics } from './metrics.js';
import { startWatchRunner, type WatchRunner } from './watch-runner.js';

export interface FileAgentOptions {
  redis: Redis;
  log: Logger;
  /** Names this agent in every batch (the `host` label of its alerts). */
  host: string;
  watches: readonly WatchConfig[];
  /** When this agent started (every batch carries it); now unless a test says otherwise. */
  startedAtMs?: number;
  /** How long stopping a watch may spend queueing what it still holds. */
  closeGraceMs?: number;
  /** Counts queued observations for /metrics (createWatcherMetrics); none: not counted. */
  metrics?: WatcherMetrics;
}

export interface FileAgent {
  /** Brings the running watches in line with `watches`; resolves once the new and changed ones are ready. */
  apply(watches: readonly WatchConfig[]): Promise<void>;
  close(): Promise<void>;
}

interface Running {
  /** The configuration it runs, as JSON; '' for one that failed to start, so the next apply tries again. */
  json: string;
  runner: WatchRunner;
}

/**
 * The file agent of one host: a runner per watch of the configuration, each sending what it
 * sees to `results`. Resolves once every watch has taken stock of its files.
 */
export async function startFileAgent(options: FileAgentOptions): Promise<FileAgent> {
  const { redis, log, host } = options;
  const agentStartedAt = options.startedAtMs ?? Date.now();
  const queue = createQueue('results', redis);
  // Unique for this agent's life: a watch restarted by a reload must not reuse an id BullMQ still remembers.
  const nonce = randomBytes(4).toString('hex');
  let sequence = 0;
  const nextJobId = () => jobIdOf('watch', host.replaceAll(':', '.'), agentStartedAt, nonce, (sequence += 1));
  const running = new Map<string, Running>();
  let applying = Promise.resolve();
  let closed = false;

  const start = async (watch: WatchConfig): Promise<void> => {
    const runner = startWatchRunner({ watch, redis, queue, log, host, agentStartedAt, nextJobId, ...(options.closeGraceMs === undefined ? {} : { closeGraceMs: options.closeGraceMs }), ...(options.metrics ? { metrics: options.metrics } : {}) });
    const entry: Running = { json: configJson(watch), runner };
    running.set(watch.id, entry);
    try {
      await runner.ready;
    } catch (err) {
      entry.json = '';
      log.error({ err, watchId: watch.id, host }, `watch ${watch.id} could not start; it is tried again at the next configuration change`);
    }
  };

  const stop = async (id: string): Promise<void> => {
    const entry = running.get(id);
    running.delete(id);
    await entry?.runner.close();
  };

  const forget = async (id: string): Promise<void> => {
    await stop(id);
    // Gone from the configuration: its offsets and baseline would only mislead a watch of the same id added later.
    await redis.del(REDIS_KEYS.watchOffsets(stateIdOf(id, host)), REDIS_KEYS.watchBaseline(stateIdOf(id, host)));
    log.info({ watchId: id, host }, `watch ${id} stopped and forgotten`);
  };

  const applyNow = async (watches: readonly WatchConfig[]): Promise<void> => {
    if (closed) return;
    const plan = planWatchSet(new Map([...running].map(([id, entry]) => [id, entry.json])), watches);
    await Promise.all([
      ...plan.stop.map(forget),
      ...plan.restart.map(async (watch) => {
        await stop(watch.id);
        await start(watch);
      }),
      ...plan.start.map(start),
    ]);
    if (plan.start.length + plan.stop.length + plan.restart.length > 0) {
      log.info({ host, started: plan.start.map((w) => w.id), stopped: plan.stop, restarted: plan.restart.map((w) => w.id) }, 'watches applied');
    }
  };

  const apply = (watches: readonly WatchConfig[]): Promise<void> => {
    const run = applying.then(() => applyNow(watches));
    applying = run.catch((err: unknown) => log.error({ err, host }, 'could not apply the watches'));
    return run;
  };

  await apply(options.watches);

  return {
    apply,
    async close() {
      await applying;
      closed = true;
      await Promise.all([...running.keys()].map(stop));
      await queue.close();
    },
  };
}
