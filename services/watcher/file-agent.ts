import type { Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { watch, type ChokidarOptions, type FSWatcher } from 'chokidar';
import picomatch from 'picomatch';
import type { Logger } from 'pino';
import type { WatchEvent } from '../../libs/config/watches.js';
import { pathFilter, type PathFilter } from './path-filter.js';
import { collectGarbageDuring } from './scan-memory.js';
import { TreeFiles } from './tree-files.js';

export interface WatchSpec {
  id: string;
  /** Files, folders or globs (`/var/log/**\/*.log`); a path that does not exist yet is picked up when created. */
  paths: readonly string[];
  recursive: boolean;
  /** With `recursive`, how many levels of subfolders below a path to enter; 0 is the same as not recursive. */
  depth?: number;
  include: readonly string[];
  exclude: readonly string[];
  on: readonly WatchEvent[];
  /** Report an add or change only once the size has held still this long (files still being written). */
  settleMs?: number;
  /** Stat polling instead of inotify, for network file systems. */
  polling?: boolean;
  /** How often polling stats each file; default 1000 ms. */
  pollIntervalMs?: number;
}

export interface FileEvent {
  watchId: string;
  kind: WatchEvent;
  path: string;
  atMs: number;
  stats?: { size: number; mtimeMs: number };
}

export type WatchMode = 'native' | 'polling';

export interface RunningWatch {
  /** Resolves once the initial scan is done: from then on every change is reported. */
  ready: Promise<void>;
  close(): Promise<void>;
  /** 'polling' once the watch fell back from inotify. */
  readonly mode: WatchMode;
}

export type FileEventHandler = (event: FileEvent) => void | Promise<void>;

/** Something the watch could not do (a folder it may not read, inotify's limit), for the caller to pass on; it is logged here too. */
export type WatchProblemHandler = (problem: { path: string; code: string; message: string }) => void;

const DEFAULT_POLL_INTERVAL_MS = 1000;
const FILE_KINDS: ReadonlySet<WatchEvent> = new Set(['add', 'change', 'unlink']);

/** inotify out of watches (ENOSPC) or descriptors (EMFILE, ENFILE): polling needs neither. */
export function shouldFallBackToPolling(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'ENOSPC' || code === 'EMFILE' || code === 'ENFILE';
}

function isPermissionError(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'EACCES' || code === 'EPERM';
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'string' ? err.code : undefined;
}

function errorPath(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('path' in err)) return undefined;
  return typeof err.path === 'string' ? err.path : undefined;
}

/**
 * Watches the paths of one watch and reports typed events of the kinds in `spec.on`.
 * Files that exist when the watch starts are not news (the integrity baseline covers
 * them), so only what happens after `ready` is reported. Errors are logged with the watch
 * id and never thrown; running out of inotify watches switches this watch to polling.
 */
export function watchPaths(spec: WatchSpec, onEvent: FileEventHandler, log: Logger, onProblem: WatchProblemHandler = () => undefined): RunningWatch {
  const watchLog = log.child({ watchId: spec.id });
  const roots = spec.paths.map((path) => planRoot(path, spec));
  let mode: WatchMode = spec.polling ? 'polling' : 'native';
  let closed = false;
  let generation: Generation = startGeneration(mode);
  let previousStopped = Promise.resolve();

  function startGeneration(generationMode: WatchMode): Generation {
    const next = new Generation();
    next.ready = Promise.all(roots.map((root) => startRoot(root, generationMode, next))).then(() => undefined);
    return next;
  }

  async function startRoot(plan: RootPlan, generationMode: WatchMode, owner: Generation): Promise<void> {
    const root = await resolveRoot(plan, spec);
    if (closed || owner.stopped) return;
    const watcher = watch(root.anchor, chokidarOptions(spec, root, generationMode));
    owner.watchers.add(watcher);
    // chokidar 5 reports symlinks found by the initial scan despite ignoreInitial: nothing before ready is news.
    let scanned = false;
    const report = (kind: WatchEvent) => (path: string, stats?: Stats) => {
      if (!scanned || owner.stopped || !accepts(root, spec, kind, path)) return;
      deliver(onEvent, toFileEvent(spec.id, kind, path, stats), watchLog);
    };
    // Natively, chokidar watches folders only and the files are tracked from the folders' events (tree-files.ts).
    const files = generationMode === 'native' ? trackFiles(root, watcher, report, () => scanned) : undefined;
    if (files) owner.trees.set(watcher, files);
    for (const kind of spec.on) if (!(files && FILE_KINDS.has(kind))) watcher.on(kind, report(kind));
    watcher.on('error', (err) => onWatcherError(err, root.path));
    await owner.whileRunning(new Promise<void>((done) => watcher.once('ready', () => done())));
    if (files) await owner.whileRunning(files.learn(root.anchor, 0));
    scanned = true;
    // fs.watchFile takes each file's first stat after chokidar's ready; a write before that would go unseen.
    if (generationMode === 'polling') await owner.whileRunning(delay(pollIntervalOf(spec)));
    watchLog.debug({ path: root.path, anchor: root.anchor, mode: generationMode, files: files?.size }, 'watching');
  }

  function trackFiles(root: WatchRoot, watcher: FSWatcher, report: (kind: WatchEvent) => (path: string, stats?: Stats) => void, scanned: () => boolean): TreeFiles {
    const depth = chokidarDepth(root);
    const mayEnter = (path: string, level: number) => (depth === undefined || level <= depth) && mayHoldFolder(root, path);
    const files = new TreeFiles({
      inScope: (path) => covers(root, path, false),
      mayEnter,
      ...(spec.settleMs === undefined ? {} : { settleMs: spec.settleMs }),
      onEvent: (kind, path, stats) => report(kind)(path, stats),
      onError: (err, path) => onWatcherError(err, path),
    });
    watcher.on('raw', (_event, name, details) => {
      const folder = (details as { watchedPath?: unknown } | undefined)?.watchedPath;
      // fs.watch may give no name (its queue overflowed): the folder is looked at again whole.
      if (scanned() && typeof folder === 'string') files.touched(folder, typeof name === 'string' ? name : undefined);
    });
    watcher.on('addDir', (path: string) => {
      const level = segmentsBetween(root.anchor, path);
      if (scanned() && mayEnter(path, level)) void files.discover(path, level).catch((err: unknown) => onWatcherError(err, path));
    });
    watcher.on('unlinkDir', (path: string) => {
      if (scanned()) files.folderRemoved(path);
    });
    return files;
  }

  function onWatcherError(err: unknown, rootPath: string): void {
    const path = errorPath(err) ?? rootPath;
    if (closed) return;
    if (shouldFallBackToPolling(err) && mode === 'native') return fallBackToPolling(err, path);
    if (isPermissionError(err)) {
      watchLog.warn({ err, path }, `watch ${spec.id}: permission denied, skipping ${path}`);
      onProblem({ path, code: errorCode(err) ?? 'EACCES', message: `permission denied, ${path} is skipped` });
      return;
    }
    watchLog.error({ err, path }, `watch ${spec.id}: file watch error, the watch keeps running`);
  }

  function fallBackToPolling(err: unknown, path: string): void {
    mode = 'polling';
    watchLog.error({ err, path, code: errorCode(err) },
      `watch ${spec.id}: the system's inotify limit is reached (raise fs.inotify.max_user_watches); falling back to polling for this watch`);
    onProblem({ path, code: errorCode(err) ?? 'ENOSPC', message: "the system's inotify limit is reached (raise fs.inotify.max_user_watches); this watch falls back to polling" });
    const previous = generation;
    generation = startGeneration('polling');
    previousStopped = previous.stop();
  }

  // A fallback during the first scan replaces the generation: ready waits for the one that stays.
  const ready = (async () => {
    for (let seen = generation; ; seen = generation) {
      await seen.ready;
      if (seen === generation) return;
    }
  })();
  collectGarbageDuring(ready);

  return {
    ready,
    async close() {
      closed = true;
      await Promise.all([generation.stop(), previousStopped]);
    },
    get mode() {
      return mode;
    },
  };
}

/** One start of the watch's chokidar watchers; a fallback to polling stops it and starts another. */
class Generation {
  readonly watchers = new Set<FSWatcher>();
  /** Natively, the files under each watcher's root (chokidar watches only the folders). */
  readonly trees = new Map<FSWatcher, TreeFiles>();
  ready: Promise<void> = Promise.resolve();
  stopped = false;
  private readonly stoppedSignal: Promise<void>;
  private signalStopped: () => void = () => undefined;

  constructor() {
    this.stoppedSignal = new Promise((resolve) => { this.signalStopped = resolve; });
  }

  /** A closed chokidar watcher never emits 'ready', so waiting for it must end on stop too. */
  whileRunning(promise: Promise<void>): Promise<void> {
    return Promise.race([promise, this.stoppedSignal]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.signalStopped();
    for (const tree of this.trees.values()) tree.stop();
    this.trees.clear();
    await Promise.all([...this.watchers].map((watcher) => watcher.close()));
    this.watchers.clear();
  }
}

/** A configured path, before the file system is asked about it. */
interface RootPlan {
  path: string;
  /** The glob part of a configured glob, relative to `path` (its static base). */
  glob?: string;
  /** Levels of subfolders under `path` to enter (chokidar's meaning); undefined for all. */
  depth: number | undefined;
}

/** A root as watched: `anchor` is the existing folder chokidar watches, at or above `path`. */
interface WatchRoot extends RootPlan {
  anchor: string;
  accepts: PathFilter;
}

function planRoot(configured: string, spec: WatchSpec): RootPlan {
  const path = resolve(configured);
  const scan = picomatch.scan(path);
  const ownDepth = spec.recursive ? spec.depth : 0;
  if (!scan.isGlob) return { path, depth: ownDepth };
  // A glob says how deep it reaches; `recursive` can only take it deeper.
  const globDepth = scan.glob.includes('**') ? undefined : scan.glob.split('/').length - 1;
  const depth = spec.recursive ? ownDepth : globDepth;
  return { path: resolve(scan.base || sep), glob: scan.glob, depth };
}

/**
 * The anchor is the nearest existing folder above the path, not the path itself, so the
 * path is picked up when it is created, and again when it is deleted and recreated (a
 * rotated log, a restored folder). Symlinks in the existing part are resolved, since
 * chokidar does not follow links and would otherwise see the anchor as a file.
 */
async function resolveRoot(plan: RootPlan, spec: WatchSpec): Promise<WatchRoot> {
  const parent = dirname(plan.path);
  const existing = await nearestExistingFolder(parent === plan.path ? plan.path : parent);
  const anchor = await realpath(existing).catch(() => existing);
  const path = join(anchor, relative(existing, plan.path));
  const specFilter = pathFilter({ root: path, include: spec.include, exclude: spec.exclude });
  const globFilter = plan.glob === undefined ? undefined : pathFilter({ root: path, include: [plan.glob], exclude: [] });
  const accepts: PathFilter = globFilter ? (p, isDir) => globFilter(p, isDir) && specFilter(p, isDir) : specFilter;
  return { ...plan, path, anchor, accepts };
}

async function nearestExistingFolder(path: string): Promise<string> {
  for (let folder = path; ; folder = dirname(folder)) {
    const isFolder = await stat(folder).then((stats) => stats.isDirectory(), () => false);
    if (isFolder || dirname(folder) === folder) return folder;
  }
}

function pollIntervalOf(spec: WatchSpec): number {
  return spec.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** How many levels of folders below the anchor chokidar enters; undefined for all. */
function chokidarDepth(root: WatchRoot): number | undefined {
  return root.depth === undefined ? undefined : segmentsBetween(root.anchor, root.path) + root.depth;
}

function chokidarOptions(spec: WatchSpec, root: WatchRoot, mode: WatchMode): ChokidarOptions {
  const interval = pollIntervalOf(spec);
  const native = mode === 'native';
  return {
    ignoreInitial: true,
    // Following links lets a loop or a link to / drag the watch outside its tree; a link is reported as itself.
    followSymlinks: false,
    alwaysStat: true,
    depth: chokidarDepth(root),
    usePolling: mode === 'polling',
    interval,
    binaryInterval: interval,
    // Natively, files wait for their settle time in tree-files.ts, as chokidar does not see them.
    awaitWriteFinish: spec.settleMs === undefined || native ? false : { stabilityThreshold: spec.settleMs, pollInterval: settlePollMs(spec.settleMs) },
    // The file test first: it is what most entries of a large tree answer, without a path computed.
    ignored: (path, stats) => (native && stats !== undefined && !stats.isDirectory()) || !mayHold(root, path, stats),
  };
}

function settlePollMs(settleMs: number): number {
  return Math.max(10, Math.min(100, Math.floor(settleMs / 4)));
}

/** Whether chokidar should look at `path` at all: folders on the way down to the root, and what the filter takes under it. */
function mayHold(root: WatchRoot, path: string, stats?: Stats): boolean {
  if (isInside(path, root.path)) return true;
  if (!isInside(root.path, path)) return false;
  // Asked without stats, chokidar does not know yet whether it is a folder: keep it if either would be kept.
  if (!stats) return root.accepts(path, true) || root.accepts(path, false);
  return root.accepts(path, stats.isDirectory());
}

/** Folders on the way down to the root, and those the filter takes under it. */
function mayHoldFolder(root: WatchRoot, path: string): boolean {
  return isInside(path, root.path) || (isInside(root.path, path) && root.accepts(path, true));
}

function accepts(root: WatchRoot, spec: WatchSpec, kind: WatchEvent, path: string): boolean {
  return spec.on.includes(kind) && covers(root, path, kind === 'addDir' || kind === 'unlinkDir');
}

function covers(root: WatchRoot, path: string, isDir: boolean): boolean {
  if (!isInside(root.path, path)) return false;
  // The base folder of a glob is not named by it; a configured file or folder is.
  if (path === root.path) return root.glob === undefined;
  return root.accepts(path, isDir);
}

function toFileEvent(watchId: string, kind: WatchEvent, path: string, stats?: Stats): FileEvent {
  const event: FileEvent = { watchId, kind, path, atMs: Date.now() };
  if (stats && kind !== 'unlink' && kind !== 'unlinkDir') event.stats = { size: stats.size, mtimeMs: stats.mtimeMs };
  return event;
}

/** A failing handler is logged and the watch goes on: one bad event must not stop the watcher. */
function deliver(onEvent: FileEventHandler, event: FileEvent, log: Logger): void {
  const failed = (err: unknown) => log.error({ err, path: event.path, kind: event.kind }, `watch ${event.watchId}: handling a file event failed`);
  try {
    const result = onEvent(event);
    if (result instanceof Promise) result.catch(failed);
  } catch (err) {
    failed(err);
  }
}

/** True when `path` is `folder` or somewhere below it. */
function isInside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

function segmentsBetween(ancestor: string, path: string): number {
  const rel = relative(ancestor, path);
  return rel === '' ? 0 : rel.split(sep).length;
}
