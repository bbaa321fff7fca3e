import { stat } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { WatchObservation } from '../../libs/queues/index.js';
import { MAX_SAMPLES, SAMPLE_CHARS } from '../../libs/watch/match-window.js';
import { matchLines } from './line-matches.js';
import type { Commit, ObservationSender } from './observation-sender.js';
import { FileTailer, loadOffset, watchOffsetsKey, type FileOffset, type TailBatch } from './tailer.js';
import { sampleOf } from './watch-plan.js';

export interface ContentFollowerOptions {
  /** Names the offsets hash: the watch on this host (stateIdOf). */
  stateId: string;
  pattern: string;
  maxLineBytes: number;
  redis: Redis;
  sender: ObservationSender;
  log: Logger;
  /** A file that cannot be followed (permission, loop); the runner reports it once. */
  onProblem: (path: string, err: unknown) => void;
  /** It can be followed again. */
  onRecovered: (path: string) => void;
}

/** Reads per file before another file gets a turn: a huge backlog comes in bounded batches without starving the rest. */
export const READS_PER_TURN = 4;

/**
 * Follows the appended lines of a content watch's files: one FileTailer per file, reads one
 * file at a time, each read matched and sent as one `lines` observation, its offset saved only
 * after the observation is queued. While the sender's backlog is large (Redis away) nothing is
 * read, so memory stays bounded and the lines wait in the files.
 */
export class ContentFollower {
  private readonly tailers = new Map<string, FileTailer>();
  /** Files with something new to read, in the order they were poked. */
  private readonly dirty = new Set<string>();
  /** Files that appeared while watched: news from their first byte. */
  private readonly created = new Set<string>();
  private readonly lastSaved = new Map<string, string>();
  private started = false;
  private closed = false;
  private pumping: Promise<void> | undefined;

  constructor(private readonly options: ContentFollowerOptions) {}

  /**
   * Takes up the files found at start: each continues from its stored offset, or from its end.
   * Resolves once each has been opened and placed, so what is written from then on is news.
   */
  async start(paths: readonly string[]): Promise<void> {
    for (const path of paths) {
      if (this.closed) return;
      this.dirty.delete(path);
      const batch = await this.readOnce(path);
      if (batch !== undefined) this.report(path, batch);
      if (batch?.more) this.dirty.add(path);
    }
    this.started = true;
    this.pump();
  }

  /** Something happened to the file (created, written, deleted): read what is new. */
  poke(path: string, created: boolean): void {
    if (created && !this.tailers.has(path)) this.created.add(path);
    this.dirty.add(path);
    this.pump();
  }

  /** No more reads start; one under way finishes (call before closing the sender, whose backlog may hold a read back). */
  stop(): void {
    this.closed = true;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.pumping;
    await Promise.all([...this.tailers.values()].map((tailer) => tailer.close().catch(() => undefined)));
    this.tailers.clear();
  }

  private pump(): void {
    if (!this.started || this.closed || this.pumping !== undefined) return;
    this.pumping = this.drain().finally(() => {
      this.pumping = undefined;
      if (this.dirty.size > 0) this.pump();
    });
  }

  private async drain(): Promise<void> {
    while (!this.closed) {
      const [path] = this.dirty;
      if (path === undefined) return;
      this.dirty.delete(path);
      const more = await this.readTurn(path);
      // Back of the line: the other files get their turn first.
      if (more) this.dirty.add(path);
    }
  }

  /** Up to READS_PER_TURN reads of one file; true when it has more already written. */
  private async readTurn(path: string): Promise<boolean> {
    for (let reads = 0; reads < READS_PER_TURN; reads += 1) {
      await this.options.sender.roomy();
      if (this.closed) return false;
      const batch = await this.readOnce(path);
      if (batch === undefined) return false;
      this.report(path, batch);
      if (!batch.more) return false;
    }
    return true;
  }

  private async readOnce(path: string): Promise<TailBatch | undefined> {
    try {
      const tailer = this.tailers.get(path) ?? await this.open(path);
      if (tailer === undefined) return undefined;
      const batch = await tailer.readNew();
      this.options.onRecovered(path);
      return batch;
    } catch (err) {
      this.options.onProblem(path, err);
      return undefined;
    }
  }

  private async open(path: string): Promise<FileTailer | undefined> {
    // A FIFO or a device would block the open or never end: only regular files (or links to one) are followed.
    const stats = await stat(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
      throw err;
    });
    if (stats !== undefined && !stats.isFile()) return undefined;
    const created = this.created.delete(path);
    const offset = created ? undefined : await loadOffset(this.options.redis, this.options.stateId, path);
    const tailer = new FileTailer(path, {
      ...(offset === undefined ? {} : { offset }),
      fromStart: created,
      maxLineBytes: this.options.maxLineBytes,
    });
    this.tailers.set(path, tailer);
    return tailer;
  }

  private report(path: string, batch: TailBatch): void {
    const commit = this.offsetCommit(path, batch.offset);
    if (batch.lines.length === 0 && batch.rotated === undefined) {
      if (commit !== undefined) this.options.sender.commit(commit);
      return;
    }
    const matched = matchLines(batch.lines, this.options.pattern);
    const observation: WatchObservation = {
      kind: 'lines',
      path,
      atMs: Date.now(),
      read: batch.lines.length,
      matched: matched.length,
      samples: matched.slice(-MAX_SAMPLES).map((line) => sampleOf(line, SAMPLE_CHARS)),
      truncated: batch.truncatedLines,
      ...(batch.rotated === undefined ? {} : { rotated: batch.rotated }),
    };
    this.options.sender.send(observation, commit);
  }

  private offsetCommit(path: string, offset: FileOffset | undefined): Commit | undefined {
    if (offset === undefined) return undefined;
    const json = JSON.stringify({ dev: offset.dev, ino: offset.ino, position: offset.position });
    if (this.lastSaved.get(path) === json) return undefined;
    this.lastSaved.set(path, json);
    const key = watchOffsetsKey(this.options.stateId);
    return { write: (pipeline) => pipeline.hset(key, path, json) };
  }
}
