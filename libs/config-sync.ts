import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ConfigError, configPathFrom, parseConfig, type Config } from './config/index.js';
import { REDIS_KEYS } from './redis-keys.js';

/**
 * How a configuration travels between services. The watcher validates the file and stores
 * its text in Redis with a sha, then publishes the sha; every other service re-parses that
 * text with its own environment (so secrets never sit in Redis) and swaps it in only when
 * it validates. A service that cannot parse an update keeps the configuration it runs.
 */

export interface ConfigSnapshot {
  config: Config;
  sha: string;
  source: string;
}

export function shaOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/**
 * Start-up: the file when this host has one, otherwise the last one the watcher accepted.
 * A file made invalid by an edit does not stop a restarting service: it starts on the last
 * accepted configuration, as the services still running do.
 */
export async function loadStartupConfig(redis: Redis, log: Logger, env: NodeJS.ProcessEnv = process.env, argv = process.argv): Promise<ConfigSnapshot> {
  const path = configPathFrom(argv, env);
  if (existsSync(path)) {
    const text = readFileSync(path, 'utf8');
    try {
      const config = parseConfig(text, env, path);
      log.info({ path, checks: config.checks.length, watches: config.watches.length, channels: config.channels.length }, 'configuration loaded from file');
      return { config, sha: shaOf(text), source: path };
    } catch (err) {
      const published = err instanceof ConfigError ? await loadPublished(redis, env) : undefined;
      if (!published) throw err;
      log.error({ err, path }, 'configuration file is invalid; starting on the last accepted configuration');
      return published;
    }
  }
  const published = await loadPublished(redis, env);
  if (!published) {
    throw new ConfigError(path, [{ path: '', message: 'no such file, and no configuration has been published to Redis yet (is the watcher running?)' }]);
  }
  log.info({ source: published.source, sha: published.sha }, 'configuration loaded from Redis');
  return published;
}

async function loadPublished(redis: Redis, env: NodeJS.ProcessEnv): Promise<ConfigSnapshot | undefined> {
  const stored = await redis.hgetall(REDIS_KEYS.config);
  if (stored.text === undefined) return undefined;
  const source = stored.source ?? 'redis';
  return { config: parseConfig(stored.text, env, source), sha: stored.sha ?? shaOf(stored.text), source };
}

/**
 * Stores an accepted configuration and announces it, in one transaction: the text, its sha,
 * a version counting accepted edits (1 for the first), and when it was accepted. A rejected
 * edit recorded before it is cleared at the same time, so the two never disagree.
 */
export async function publishConfig(redis: Redis, text: string, source: string): Promise<string> {
  const sha = shaOf(text);
  const acceptedAt = new Date().toISOString();
  await redis.multi()
    // loadedAt is acceptedAt's older name, kept for readers that know only it.
    .hset(REDIS_KEYS.config, { text, sha, source, acceptedAt, loadedAt: acceptedAt })
    .hincrby(REDIS_KEYS.config, 'version', 1)
    .del(REDIS_KEYS.configRejected)
    .publish(REDIS_KEYS.configChanged, sha)
    .exec();
  return sha;
}

/** The last edit the publisher rejected; the running configuration is the one before it. */
export interface RejectedConfig {
  sha: string;
  source: string;
  atMs: number;
  /** "path: reason" for each problem. */
  problems: string[];
}

export async function recordRejectedConfig(redis: Redis, rejected: RejectedConfig): Promise<void> {
  const { sha, source, atMs, problems } = rejected;
  await redis.hset(REDIS_KEYS.configRejected, { sha, source, atMs: String(atMs), problems: JSON.stringify(problems) });
}

/** Clears a recorded rejection; true when there was one. */
export async function clearRejectedConfig(redis: Redis): Promise<boolean> {
  return (await redis.del(REDIS_KEYS.configRejected)) > 0;
}

/** What `npm run queues -- config` shows: the running configuration as stored, without parsing it. */
export interface PublishedConfigStatus {
  text: string;
  sha: string;
  source: string;
  /** Accepted edits so far; 0 for a configuration stored before versions were counted. */
  version: number;
  acceptedAt?: string;
}

export interface ConfigStatus {
  running?: PublishedConfigStatus;
  rejected?: RejectedConfig;
}

export async function readConfigStatus(redis: Redis): Promise<ConfigStatus> {
  const [stored, rejected] = await Promise.all([redis.hgetall(REDIS_KEYS.config), redis.hgetall(REDIS_KEYS.configRejected)]);
  const status: ConfigStatus = {};
  if (stored.text !== undefined) {
    status.running = {
      text: stored.text,
      sha: stored.sha ?? shaOf(stored.text),
      source: stored.source ?? 'redis',
      version: Number(stored.version ?? 0),
      acceptedAt: stored.acceptedAt ?? stored.loadedAt,
    };
  }
  if (rejected.sha !== undefined) {
    status.rejected = { sha: rejected.sha, source: rejected.source ?? '', atMs: Number(rejected.atMs ?? 0), problems: problemsFrom(rejected.problems) };
  }
  return status;
}

function problemsFrom(json: string | undefined): string[] {
  try {
    const value: unknown = JSON.parse(json ?? '[]');
    return Array.isArray(value) ? value.map(String) : [];
  } catch {
    return [];
  }
}

/**
 * Calls onChange with each newly published configuration that validates here.
 * Uses its own connection: a subscribed Redis connection can do nothing else.
 */
export async function followConfigChanges(subscriber: Redis, reader: Redis, log: Logger, currentSha: string, onChange: (snapshot: ConfigSnapshot) => Promise<void> | void, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let appliedSha = currentSha;
  let queue = Promise.resolve();
  subscriber.on('message', (channel: string, sha: string) => {
    if (channel !== REDIS_KEYS.configChanged) return;
    queue = queue.then(async () => {
      if (sha === appliedSha) return;
      const stored = await reader.hgetall(REDIS_KEYS.config);
      if (stored.text === undefined || stored.sha !== sha) return;
      try {
        const config = parseConfig(stored.text, env, stored.source ?? 'redis');
        await onChange({ config, sha, source: stored.source ?? 'redis' });
        appliedSha = sha;
        log.info({ sha, source: stored.source }, 'configuration reloaded');
      } catch (err) {
        log.error({ err, sha }, 'configuration update rejected; keeping the running configuration');
      }
    }).catch((err: unknown) => log.error({ err }, 'could not read the published configuration'));
  });
  // ioredis 5.8.2+ writes a SUBSCRIBE issued while connecting between its handshake commands,
  // and its ready check (INFO) then fails on the subscribed connection, which can leave the
  // service deaf to every later edit (redis/ioredis#2037): subscribe once the connection is ready.
  if (subscriber.status !== 'ready') await new Promise<void>((resolve) => subscriber.once('ready', () => resolve()));
  await subscriber.subscribe(REDIS_KEYS.configChanged);
}
