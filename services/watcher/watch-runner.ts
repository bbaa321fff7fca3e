import type { Stats } from 'node:fs';
import { lstat, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { WatchConfig } from '../../libs/config/watches.js';
import type { ObservationBatch, WatchObservation } from '../../libs/queues/index.js';
import { ContentFollower } from './content-follower.js';
import { watchPaths, type FileEvent } from './file-agent.js';
import { IntegrityTracker, type TrackedChange } from './integrity-tracker.js';
import type { WatcherMetrics } from './metrics.js';
import { ObservationSender } from './observation-sender.js';
import { listWatched, type ListedPath } from './tree-listing.js';
import { eventOfChange, isFileEvent, literalPaths, reportedKinds, staticBaseOf, stateIdOf, wantsStats, watchSpecOf } from './watch-plan.js';

/**
 * chokidar drops a file's `change` events for 50 ms after one it reported, with no trailing
 * event: a log written twice within 50 ms and then left alone would keep its last lines unread,
 * a file's final content unhashed, until the next write. So each add or change is looked at
 * once more this long after the last one.
 */
export const TRAILING_CHECK_MS = 75;

export interface WatchRunnerOptions {
  watch: WatchConfig;
  redis: Redis;
  queue: Queue<ObservationBatch>;
  log: Logger;
  host: string;
  agentStartedAt: number;
  nextJobId: () => string;
  /** How long close may spend queueing what is still waiting (Redis may be away). */
  closeGraceMs?: number;
  /** Counts queued observations for /metrics. */
  metrics?: WatcherMetrics;
}

export interface WatchRunner {
  /** Resolves once the initial scan and the start-up report are done: every later change is reported. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * One watch on this host: its file events, integrity baseline, followed lines and stats as
 * observations on `results`. Nothing about the disk is thrown at the caller: what cannot be
 * read is a `problem` observation and a warning, and the rest of the watch goes on.
 */
export function startWatchRunner(options: WatchRunnerOptions): WatchRunner {
  const { watch, redis, host } = options;
  const log = options.log.child({ watchId: watch.id, host });
  const sender = new ObservationSender({ queue: options.queue, redis, log, watchId: watch.id, host, agentStartedAt: options.agentStartedAt, nextJobId: options.nextJobId, ...(options.metrics ? { metrics: options.metrics } : {}) });
  const reported = reportedKinds(watch);
  /** The configured literal paths as events name them (symlinked folders resolved); filled at start. */
  const literal = new Set<string>();
  const stats = wantsStats(watch);
  const stateId = stateIdOf(watch.id, host);
  const tracker = watch.integrity ? new IntegrityTracker(redis, stateId) : undefined;
  const problemsSent = new Set<string>();
  let closed = false;

  const problem = (path: string, code: string, message: string): void => {
    const key = `${code}\u0000${path}`;
    if (closed || problemsSent.has(key)) return;
    problemsSent.add(key);
    log.warn({ path, code }, `watch ${watch.id}: ${message}`);
    sender.send({ kind: 'problem', path, atMs: Date.now(), code, message });
  };
  const problemOf = (path: string, err: unknown): void => {
    const code = (err as NodeJS.ErrnoException | undefined)?.code ?? 'EUNKNOWN';
    problem(path, code, `cannot read ${path}: ${describeError(code, err)}`);
  };

  const follower = watch.match === undefined ? undefined : new ContentFollower({
    stateId,
    pattern: watch.match,
    maxLineBytes: watch.maxLineLength,
    redis,
    sender,
    log,
    onProblem: problemOf,
    onRecovered: (path) => {
      for (const key of problemsSent) if (key.endsWith(`\u0000${path}`)) problemsSent.delete(key);
    },
  });

  const sendChange = (tracked: TrackedChange, atMs: number, event = eventOfChange({ ...tracked.change, path: tracked.path })): void => {
    if (!reported.has(event)) {
      sender.commit(tracked.commit);
      return;
    }
    const observation: WatchObservation = { kind: 'event', event, path: tracked.path, atMs };
    if (tracked.before) observation.before = tracked.before;
    if (tracked.after) observation.after = tracked.after;
    sender.send(observation, tracked.commit);
  };

  const handle = async (event: FileEvent): Promise<void> => {
    if (closed) return;
    if (tracker) {
      const result = await tracker.sighted(event.path);
      if (result !== undefined && 'error' in result) problem(result.path, result.error, result.message);
      else if (result !== undefined) sendChange(result, event.atMs, event.kind);
    } else if (reported.has(event.kind)) {
      sender.send({ kind: 'event', event: event.kind, path: event.path, atMs: event.atMs });
    }
    if (stats && (isFileEvent(event.kind) || literal.has(event.path))) sendStat(await statOfEvent(event));
  };

  const start = async (): Promise<void> => {
    if (closed) return;
    // A watch of events alone needs no stock of its files: a tree of 100,000 costs nothing more than its watches.
    const needsStock = tracker !== undefined || stats || follower !== undefined;
    const listed = needsStock ? await listWatched(spec, ({ path, err }) => problemOf(path, err)) : [];
    if (closed) return;
    await reportMissing();
    if (tracker) {
      const { changes, unreadable } = await tracker.start(listed.map((entry) => entry.path));
      const atMs = Date.now();
      for (const change of changes) sendChange(change, atMs);
      for (const entry of unreadable) problem(entry.path, entry.error, entry.message);
    }
    const files = listed.filter((entry) => !entry.stats.isDirectory());
    if (stats) for (const entry of files) sendStat(await statOfListed(entry));
    await follower?.start(files.map((entry) => entry.path));
    log.info({ paths: watch.paths, entries: listed.length, mode: running.mode }, `watch ${watch.id} started`);
  };

  const reportMissing = async (): Promise<void> => {
    for (const path of literalPaths(watch)) literal.add(await canonicalPath(path));
    for (const configured of watch.paths) {
      const base = await canonicalPath(staticBaseOf(configured));
      if (await exists(base)) continue;
      problem(base, 'ENOENT', `${base} does not exist yet; it is picked up when created`);
      if (stats && literal.has(base)) sendStat({ kind: 'stat', path: base, atMs: Date.now(), exists: false });
    }
  };

  // One event at a time, in order, and only after the start-up report: each compares against what the previous one left.
  const enqueue = (path: string, kind: string, work: () => Promise<void>): void => {
    queue = queue.then(work).catch((err: unknown) => log.error({ err, path, kind }, `watch ${watch.id}: handling a file event failed`));
  };

  /** The size and mtime last sent per path, so a trailing check sends a stat only when it differs. */
  const statSent = new Map<string, string>();
  const sendStat = (observation: StatObservation, onlyIfNew = false): void => {
    const seen = `${observation.exists}:${observation.sizeBytes}:${observation.mtimeMs}`;
    if (onlyIfNew && statSent.get(observation.path) === seen) return;
    statSent.set(observation.path, seen);
    sender.send(observation);
  };

  const recheck = async (path: string): Promise<void> => {
    if (closed) return;
    if (tracker) {
      const result = await tracker.sighted(path);
      if (result !== undefined && 'error' in result) problem(result.path, result.error, result.message);
      else if (result !== undefined) sendChange(result, Date.now());
    }
    if (stats) sendStat(await statOfPath(path, Date.now()), true);
  };

  const trailing = new Map<string, NodeJS.Timeout>();
  const checkAgainLater = (path: string): void => {
    if (!tracker && !follower && !stats) return;
    clearTimeout(trailing.get(path));
    trailing.set(path, setTimeout(() => {
      trailing.delete(path);
      follower?.poke(path, false);
      if (tracker || stats) enqueue(path, 'recheck', () => recheck(path));
    }, TRAILING_CHECK_MS));
  };

  const spec = watchSpecOf(watch);
  const running = watchPaths(spec, (event) => {
    if (follower && isFileEvent(event.kind)) follower.poke(event.path, event.kind === 'add');
    if (event.kind === 'add' || event.kind === 'change') checkAgainLater(event.path);
    enqueue(event.path, event.kind, () => handle(event));
  }, options.log.child({ host }), ({ path, code, message }) => problem(path, code, message));

  const ready = running.ready.then(start);
  let queue: Promise<void> = ready.catch(() => undefined);

  return {
    ready,
    async close() {
      closed = true;
      for (const timer of trailing.values()) clearTimeout(timer);
      trailing.clear();
      follower?.stop();
      await running.close();
      await ready.catch(() => undefined);
      await queue;
      await sender.close(options.closeGraceMs);
      await follower?.close();
    },
  };
}

type StatObservation = Extract<WatchObservation, { kind: 'stat' }>;

async function statOfEvent(event: FileEvent): Promise<StatObservation> {
  const { path, atMs } = event;
  if (event.kind === 'unlink' || event.kind === 'unlinkDir') return { kind: 'stat', path, atMs, exists: false };
  if (event.stats) return { kind: 'stat', path, atMs, exists: true, sizeBytes: event.stats.size, mtimeMs: event.stats.mtimeMs };
  return statOfPath(path, atMs);
}

async function statOfPath(path: string, atMs: number): Promise<StatObservation> {
  const found = await stat(path).catch(() => undefined);
  return found ? { kind: 'stat', path, atMs, exists: true, sizeBytes: found.size, mtimeMs: found.mtimeMs } : { kind: 'stat', path, atMs, exists: false };
}

/** A link is judged by what it points at: `latest.tar.gz` is as old as the backup it names. */
async function statOfListed({ path, stats }: ListedPath): Promise<StatObservation> {
  const atMs = Date.now();
  const target: Stats | undefined = stats.isSymbolicLink() ? await stat(path).catch(() => undefined) : stats;
  if (!target) return { kind: 'stat', path, atMs, exists: false };
  return { kind: 'stat', path, atMs, exists: true, sizeBytes: target.size, mtimeMs: target.mtimeMs };
}

/**
 * `path` with the symlinks of the folders above it resolved, as file-agent names what it
 * reports; the last part stays as it is (a link is reported as itself).
 */
async function canonicalPath(path: string): Promise<string> {
  if (dirname(path) === path) return path;
  const missing: string[] = [basename(path)];
  for (let folder = dirname(path); ; folder = dirname(folder)) {
    const real = await realpath(folder).catch(() => undefined);
    if (real !== undefined) return join(real, ...missing.reverse());
    if (dirname(folder) === folder) return path;
    missing.push(basename(folder));
  }
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(() => true, () => false);
}

function describeError(code: string, err: unknown): string {
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ELOOP') return 'too many levels of symbolic links (a link loop)';
  return err instanceof Error ? err.message : String(err);
}
