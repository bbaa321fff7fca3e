import { lstat } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import type { FileDescription } from '../../libs/queues/index.js';
import {
  baselineKey,
  compareFingerprints,
  fingerprintFile,
  fingerprintPaths,
  isFingerprintError,
  loadBaseline,
  loadFingerprint,
  saveBaseline,
  type FileFingerprint,
  type FingerprintError,
  type IntegrityChange,
} from './integrity.js';
import type { Commit } from './observation-sender.js';
import { describeFile } from './watch-plan.js';

/** A change to report, and the baseline write that must follow it onto the queue. */
export interface TrackedChange {
  path: string;
  change: IntegrityChange;
  before?: FileDescription;
  after?: FileDescription;
  commit: Commit;
}

export type Unreadable = FingerprintError & { path: string };

export interface StartResult {
  changes: TrackedChange[];
  unreadable: Unreadable[];
}

/**
 * The integrity side of one watch. Redis holds the baseline as last reported; what was seen but
 * is not on the queue yet is held here (`unsent`), so a second event for the same file compares
 * against what the first one reported, and the baseline is written only after the report is queued.
 */
export class IntegrityTracker {
  private readonly unsent = new Map<string, FileFingerprint | undefined>();

  /** `watchId`: the baseline's name, the watch on this host (stateIdOf). */
  constructor(private readonly redis: Redis, private readonly watchId: string) {}

  /**
   * Compares the tree now with the stored baseline: what changed while nobody watched, each once.
   * With no baseline at all (the watch's first start) the tree is the baseline and nothing is news.
   */
  async start(paths: readonly string[]): Promise<StartResult> {
    const [stored, current] = await Promise.all([loadBaseline(this.redis, this.watchId), fingerprintPaths(paths)]);
    const unreadable: Unreadable[] = [];
    const readable = new Map<string, FileFingerprint>();
    for (const [path, result] of current) {
      if (isFingerprintError(result)) unreadable.push({ path, ...result });
      else readable.set(path, result);
    }
    if (stored.size === 0) {
      await saveBaseline(this.redis, this.watchId, readable);
      return { changes: [], unreadable };
    }
    const changes: TrackedChange[] = [];
    for (const [path, after] of readable) this.track(path, compareFingerprints(stored.get(path), after), after, changes);
    for (const [path, before] of stored) {
      if (current.has(path)) continue;
      // Still on disk but not listed: the watch no longer covers it (its paths or filters changed), which is no change to the file.
      if (await exists(path)) this.forgetQuietly(path);
      else this.track(path, compareFingerprints(before, undefined), undefined, changes);
    }
    return { changes, unreadable };
  }

  /** What an event changed against the baseline; undefined when nothing did (a touch, a repeated event). */
  async sighted(path: string): Promise<TrackedChange | Unreadable | undefined> {
    const current = await fingerprintFile(path);
    if (isFingerprintError(current)) return { path, ...current };
    const known = this.unsent.has(path) ? this.unsent.get(path) : await loadFingerprint(this.redis, this.watchId, path);
    const changes: TrackedChange[] = [];
    this.track(path, compareFingerprints(known, current), current, changes);
    return changes[0];
  }

  private track(path: string, change: IntegrityChange | undefined, after: FileFingerprint | undefined, into: TrackedChange[]): void {
    if (change === undefined) return;
    this.unsent.set(path, after);
    const json = after === undefined ? undefined : JSON.stringify(after);
    const key = baselineKey(this.watchId);
    const commit: Commit = {
      write: (pipeline) => {
        if (json === undefined) pipeline.hdel(key, path);
        else pipeline.hset(key, path, json);
      },
      // A newer sighting of the path may be waiting behind this one: it stays held.
      done: () => {
        if (this.unsent.get(path) === after) this.unsent.delete(path);
      },
    };
    const tracked: TrackedChange = { path, change, commit };
    if (change.type !== 'appeared') tracked.before = describeFile(change.before);
    if (change.type !== 'disappeared') tracked.after = describeFile(change.after);
    into.push(tracked);
  }

  private forgetQuietly(path: string): void {
    void this.redis.hdel(baselineKey(this.watchId), path).catch(() => undefined);
  }
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(() => true, () => false);
}
