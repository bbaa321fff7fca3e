import { lstatSync, type Stats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { setImmediate as yieldToEvents } from 'node:timers/promises';
import { join } from 'node:path';

/**
 * The files under one watched root, tracked without a watcher per file. chokidar keeps an
 * fs.watch handle, a listener and a Stats object for every file it watches: about 7 KB each, so
 * a tree of 100,000 files took 880 MB. inotify on a folder already reports what happens to the
 * entries in it, so chokidar watches the folders only (file-agent.ts) and this class turns the
 * folders' raw events into add, change and unlink by comparing each named entry's lstat with
 * what it last saw: about 100 bytes per file.
 */

/** What tells one version of a file from another; ctime catches a chmod or chown as well. */
interface FileMark {
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

export type TreeEventKind = 'add' | 'change' | 'unlink';

export interface TreeFilesOptions {
  /** Whether an entry (not a folder) at this path belongs to the watch. */
  inScope: (path: string) => boolean;
  /** Whether the walk may enter this folder, `level` folders below the anchor (the anchor is 0). */
  mayEnter: (path: string, level: number) => boolean;
  /** A file's events wait until it has had no event for this long (files still being written). */
  settleMs?: number;
  onEvent: (kind: TreeEventKind, path: string, stats?: Stats) => void;
  onError: (err: unknown, path: string) => void;
}

/** lstat calls between two turns of the event loop during a walk (about a millisecond's worth). */
const STAT_SLICE = 500;

export class TreeFiles {
  private readonly marks = new Map<string, FileMark>();
  /** Paths with a check scheduled, so a burst of events on one file is one lstat. */
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly options: TreeFilesOptions) {}

  get size(): number {
    return this.marks.size;
  }

  /** Every file known now. */
  paths(): string[] {
    return [...this.marks.keys()];
  }

  /** Records every file under `folder` (`level` below the anchor) without reporting it: the initial view. */
  async learn(folder: string, level: number): Promise<void> {
    await this.walk(folder, level, (path, stats) => this.marks.set(path, markOf(stats)));
  }

  /**
   * A folder appeared (or was renamed into place): the files already in it are news. Only its
   * own entries: chokidar reports each subfolder it finds in it, after the folder itself, so
   * files are reported after the folders holding them.
   */
  async discover(folder: string, level: number): Promise<void> {
    await this.walk(folder, level, (path) => this.schedule(path), { recursive: false });
  }

  /** Something happened to `name` in `folder`; without a name, to some entry of it. */
  touched(folder: string, name: string | undefined): void {
    if (this.stopped) return;
    if (name !== undefined && name !== '') {
      this.schedule(join(folder, name));
      return;
    }
    void this.rescanFolder(folder);
  }

  /** A folder went away: every file known under it is gone too. */
  folderRemoved(folder: string): void {
    const prefix = folder.endsWith('/') ? folder : `${folder}/`;
    for (const path of this.marks.keys()) {
      if (path.startsWith(prefix)) this.schedule(path);
    }
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }

  private schedule(path: string): void {
    if (this.stopped || !this.options.inScope(path)) return;
    const settleMs = this.options.settleMs;
    const earlier = this.pending.get(path);
    // Without a settle time, events already waiting for this path cover this one too.
    if (earlier !== undefined && settleMs === undefined) return;
    clearTimeout(earlier);
    this.pending.set(path, setTimeout(() => {
      this.pending.delete(path);
      void this.check(path);
    }, settleMs ?? 0));
  }

  private async check(path: string): Promise<void> {
    let stats: Stats | undefined;
    try {
      stats = await lstat(path);
    } catch (err) {
      if (!isMissing(err)) return this.options.onError(err, path);
    }
    if (this.stopped) return;
    const known = this.marks.get(path);
    if (stats === undefined || stats.isDirectory()) {
      if (known === undefined) return;
      this.marks.delete(path);
      return this.options.onEvent('unlink', path);
    }
    const mark = markOf(stats);
    this.marks.set(path, mark);
    if (known === undefined) return this.options.onEvent('add', path, stats);
    if (!sameMark(known, mark)) this.options.onEvent('change', path, stats);
  }

  /** fs.watch named no entry (the kernel's queue overflowed): look at the whole folder again. */
  private async rescanFolder(folder: string): Promise<void> {
    const prefix = `${folder}/`;
    for (const path of this.marks.keys()) {
      if (path.startsWith(prefix) && !path.slice(prefix.length).includes('/')) this.schedule(path);
    }
    const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) if (!entry.isDirectory()) this.schedule(join(folder, entry.name));
  }

  /** Every in-scope entry that is not a folder, in `folder` and, if recursive, below it as deep as mayEnter allows. */
  private async walk(folder: string, level: number, found: (path: string, stats: Stats) => void, { recursive } = { recursive: true }): Promise<void> {
    const folders: Array<[string, number]> = [[folder, level]];
    const files: string[] = [];
    while (folders.length > 0 && !this.stopped) {
      const [current, currentLevel] = folders.pop()!;
      let entries;
      try {
        entries = await readdir(current, { withFileTypes: true });
      } catch (err) {
        if (!isMissing(err)) this.options.onError(err, current);
        continue;
      }
      for (const entry of entries) {
        const path = join(current, entry.name);
        if (entry.isDirectory()) {
          if (recursive && this.options.mayEnter(path, currentLevel + 1)) folders.push([path, currentLevel + 1]);
        } else if (this.options.inScope(path)) {
          files.push(path);
        }
      }
      if (files.length >= STAT_SLICE) await this.statAll(files.splice(0), found);
    }
    await this.statAll(files, found);
  }

  /**
   * lstat in the event loop's own thread, in slices: 100,000 lstat calls through the thread
   * pool left a few hundred megabytes in its threads' malloc arenas long after the scan.
   */
  private async statAll(paths: string[], found: (path: string, stats: Stats) => void): Promise<void> {
    for (let start = 0; start < paths.length && !this.stopped; start += STAT_SLICE) {
      for (const path of paths.slice(start, start + STAT_SLICE)) {
        const stats = lstatIfThere(path);
        if (stats && !stats.isDirectory()) found(path, stats);
      }
      await yieldToEvents();
    }
  }
}

function lstatIfThere(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function markOf(stats: Stats): FileMark {
  return { ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs };
}

function sameMark(a: FileMark, b: FileMark): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}

function isMissing(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
