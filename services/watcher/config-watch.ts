import { readFile } from 'node:fs/promises';
import { watch, type FSWatcher } from 'chokidar';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ConfigError, formatProblem, parseConfig, type Config } from '../../libs/config/index.js';
import { publishConfig, shaOf } from '../../libs/config-sync.js';
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

/**
 * Watches the configuration file; each edit that validates is published to every service
 * through Redis, each that does not is logged with every problem and ignored, so the
 * stack keeps running on the last good configuration.
 */
export async function watchConfigFile(options: ConfigWatchOptions): Promise<RunningService> {
  const { path, log } = options;
  let publishedSha: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let pending = Promise.resolve();

  const reload = (reason: string): Promise<void> => {
    pending = pending.then(async () => {
      const text = await readFile(path, 'utf8');
      const sha = shaOf(text);
      if (sha === publishedSha) return;
      let config: Config;
      try {
        config = parseConfig(text, options.env ?? process.env, path);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        log.error({ path, problems: err.problems.map(formatProblem) }, `configuration rejected, keeping the running one: ${err.problems.map(formatProblem).join('; ')}`);
        return;
      }
      await publishConfig(options.redis, text, path);
      publishedSha = sha;
      options.onAccepted?.(config);
      log.info({ path, sha, reason, checks: config.checks.length }, 'configuration accepted and published');
    }).catch((err: unknown) => log.error({ err, path }, 'could not reload the configuration'));
    return pending;
  };

  await reload('start');
  const watcher: FSWatcher = watch(path, { ignoreInitial: true, awaitWriteFinish: { stabilityThreshold: 100, pollInterval: 25 } });
  const schedule = (event: string) => {
    clearTimeout(timer);
    timer = setTimeout(() => void reload(event), options.debounceMs ?? 200);
  };
  watcher.on('add', () => schedule('file added'));
  watcher.on('change', () => schedule('file changed'));
  watcher.on('unlink', () => log.warn({ path }, 'configuration file removed; keeping the running configuration'));
  watcher.on('error', (err) => log.error({ err, path }, 'configuration file watch error'));
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));

  return {
    async close() {
      clearTimeout(timer);
      await watcher.close();
      await pending;
    },
  };
}
