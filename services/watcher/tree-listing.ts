import type { Stats } from 'node:fs';
import { lstat, readdir, realpath } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import type { WatchSpec } from './file-agent.js';
import { pathFilter, type PathFilter } from './path-filter.js';

/** A file or folder a watch covers, as found when the agent took stock. */
export interface ListedPath {
  path: string;
  stats: Stats;
}

export interface ListProblem {
  path: string;
  err: unknown;
}

/** lstat calls in flight at once: enough to hide latency, few enough for descriptors. */
const STAT_CONCURRENCY = 16;

interface ListRoot {
  /** The configured path, or a glob's static base, with symlinks in its folders resolved as events name them. */
  path: string;
  isGlob: boolean;
  /** Levels of subfolders to enter below `path`; undefined for all. */
  depth: number | undefined;
  accepts: PathFilter;
}

/**
 * Everything a watch covers now: the configured paths themselves and what is under them, with
 * the meaning watchPaths gives to recursive, depth, globs, include and exclude. Symlinks are
 * listed, never followed (no loops, no wandering off the tree). A folder that cannot be read is
 * passed to onProblem and skipped.
 */
export async function listWatched(spec: WatchSpec, onProblem: (problem: ListProblem) => void): Promise<ListedPath[]> {
  const found = new Map<string, Stats>();
  for (const configured of spec.paths) {
    const root = await planRoot(configured, spec);
    if (root !== undefined) await walk(root, found, onProblem);
  }
  return [...found].map(([path, stats]) => ({ path, stats })).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

async function planRoot(configured: string, spec: WatchSpec): Promise<ListRoot | undefined> {
  const absolute = resolve(configured);
  const scan = picomatch.scan(absolute);
  const base = scan.isGlob ? resolve(scan.base || sep) : absolute;
  // file-agent names paths below the real folder of the nearest existing parent; so must this.
  const parent = await realpath(dirname(base)).catch(() => undefined);
  if (parent === undefined) return undefined;
  const path = dirname(base) === base ? parent : join(parent, basename(base));
  const ownDepth = spec.recursive ? spec.depth : 0;
  const globDepth = !scan.isGlob || scan.glob.includes('**') ? undefined : scan.glob.split('/').length - 1;
  const depth = scan.isGlob && !spec.recursive ? globDepth : ownDepth;
  const specFilter = pathFilter({ root: path, include: spec.include, exclude: spec.exclude });
  const globFilter = scan.isGlob ? pathFilter({ root: path, include: [scan.glob], exclude: [] }) : undefined;
  const accepts: PathFilter = globFilter ? (p, isDir) => globFilter(p, isDir) && specFilter(p, isDir) : specFilter;
  return { path, isGlob: scan.isGlob, depth, accepts };
}

async function walk(root: ListRoot, found: Map<string, Stats>, onProblem: (problem: ListProblem) => void): Promise<void> {
  const rootStats = await lstat(root.path).catch(() => undefined);
  if (rootStats === undefined) return;
  if (!root.isGlob && root.accepts(root.path, rootStats.isDirectory())) found.set(root.path, rootStats);
  if (!rootStats.isDirectory()) return;
  const folders: Array<[string, number]> = [[root.path, 0]];
  while (folders.length > 0) {
    const [folder, level] = folders.pop()!;
    let names: string[];
    try {
      names = await readdir(folder);
    } catch (err) {
      onProblem({ path: folder, err });
      continue;
    }
    const entries = await statAll(names.map((name) => join(folder, name)));
    for (const [path, stats] of entries) {
      const isDir = stats.isDirectory();
      if (!root.accepts(path, isDir)) continue;
      found.set(path, stats);
      if (isDir && (root.depth === undefined || level < root.depth)) folders.push([path, level + 1]);
    }
  }
}

async function statAll(paths: string[]): Promise<Array<[string, Stats]>> {
  const results: Array<[string, Stats]> = [];
  let next = 0;
  const work = async () => {
    while (next < paths.length) {
      const path = paths[next++]!;
      const stats = await lstat(path).catch(() => undefined);
      if (stats) results.push([path, stats]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(STAT_CONCURRENCY, paths.length) }, work));
  return results;
}
