import { readFile } from 'node:fs/promises';
import { watch, type FSWatcher } from 'chokidar';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ConfigError, formatProblem, parseConfig, type Config } from '../../libs/config/index.js';
import { clearRejectedConfig, publishConfig, recordRejectedConfig, shaOf } from '../../libs/config-sync.js';
import { createQueue, jobIdOf, type ConfigObservationBatch } from '../../libs/queues/index.js';
import { REDIS_KEYS } from '../../libs/redis-keys.js';
import type { RunningService } from '../../libs/service.js';

export interface ConfigWatchOptions {
  path: string;
  redis: Redis;
  log: Logger;
  /** Called with each accepted configuration (the watcher's own file watches follow it). */
  onAccepted?: (config: Config) => void;
  /** Edits closer together than this are one reload; editors often write a file in steps. */
  debounceMs?: number;
  env?: NodeJS.ProcessEnv;
}

export const DEFAULT_DEBOUNCE_MS = 200;
/** How long a file's size must hold still before it is read: an editor's write is one event, not several. */
const WRITE_SETTLE_MS = 100;

/**
 * Watches the configuration file; each edit that validates is published to every service
 * through Redis, each that does not is logged with every problem, recorded in Redis and
 * reported to the evaluator (the `ConfigRejected` alert), and otherwise ignored, so the stack
 * keeps running on the last good configuration. Only the active configuration publisher
 * (config-publisher.ts) runs this.
 */
export async function watchConfigFile(options: ConfigWatchOptions): Promise<RunningService> {
  const { path, log, redis } = options;
  const results = createQueue('results', redis);
  results.on('error', (err) => log.warn({ err }, 'results queue error'));
  // The last text judged: saving a file unchanged is not an edit, and a rejection is reported once.
  let judgedSha: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let pending = Promise.resolve();

  const observe = async (batch: ConfigObservationBatch): Promise<void> => {
    // atMs in the id: the same text rejected again after a good edit is news again.
    await results.add('config', batch, { jobId: jobIdOf('config', batch.sha, batch.accepted ? 'accepted' : 'rejected', batch.atMs) });
  };

  const reject = async (sha: string, err: ConfigError): Promise<void> => {
    const problems = err.problems.map(formatProblem);
    log.error({ path, sha, problems }, `configuration rejected, keeping the running one: ${problems.join('; ')}`);
    const atMs = Date.now();
    await recordRejectedConfig(redis, { sha, source: path, atMs, problems });
    await observe({ source: 'config', configSource: path, atMs, sha, accepted: false, problems });
  };

  const accept = async (text: string, sha: string, config: Config, reason: string): Promise<void> => {
    // A publisher taking over, or restarted, finds its file already published: not an edit.
    const publishedSha = await redis.hget(REDIS_KEYS.config, 'sha');
    const counts = { checks: config.checks.length, watches: config.watches.length, channels: config.channels.length };
    let news: boolean;
    if (publishedSha === sha) {
      // Still news when a rejection is on record: the file went back to the running text.
      news = await clearRejectedConfig(redis);
      log.info({ path, sha, reason, ...counts }, 'configuration file matches the published configuration');
    } else {
      await publishConfig(redis, text, path);
      news = true;
      log.info({ path, sha, reason, ...counts }, 'configuration accepted and published');
    }
    if (news) await observe({ source: 'config', configSource: path, atMs: Date.now(), sha, accepted: true });
  };

  const reload = (reason: string): Promise<void> => {
    pending = pending.then(async () => {
      const text = await readFile(path, 'utf8');
      const sha = shaOf(text);
      if (sha === judgedSha) return;
      let config: Config;
      try {
        config = parseConfig(text, options.env ?? process.env, path);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        await reject(sha, err);
        judgedSha = sha;
        return;
      }
      await accept(text, sha, config, reason);
      judgedSha = sha;
      options.onAccepted?.(config);
    }).catch((err: unknown) => log.error({ err, path }, 'could not reload the configuration'));
    return pending;
  };

  // Watching before the first read: an edit made while this starts (a standby taking over
  // just as someone saves) is then either in that read or reported after it, never lost.
  const watcher: FSWatcher = watch(path, { ignoreInitial: true, awaitWriteFinish: { stabilityThreshold: WRITE_SETTLE_MS, pollInterval: 25 } });
  const schedule = (event: string) => {
    clearTimeout(timer);
    timer = setTimeout(() => void reload(event), options.debounceMs ?? DEFAULT_DEBOUNCE_MS);
  };
  watcher.on('add', () => schedule('file added'));
  watcher.on('change', () => schedule('file changed'));
  watcher.on('unlink', () => log.warn({ path }, 'configuration file removed; keeping the running configuration'));
  watcher.on('error', (err) => log.error({ err, path }, 'configuration file watch error'));
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  await reload('start');

  return {
    async close() {
      clearTimeout(timer);
      await watcher.close();
      await pending;
      await results.close();
    },
  };
}
