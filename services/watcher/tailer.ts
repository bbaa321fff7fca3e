import { open, stat, type FileHandle } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { REDIS_KEYS } from '../../libs/redis-keys.js';

/**
 * Where a tailer stands in one file. Identity is (dev, ino) as decimal strings: inode numbers
 * can pass 2^53, and two neighbouring ones rounded to the same double would hide a rotation.
 * `position` is the byte offset of the first line not yet reported.
 */
export interface FileOffset {
  dev: string;
  ino: string;
  position: number;
}

export interface TailBatch {
  /** Complete lines appended since the last read, without their line ending, invalid UTF-8 replaced. */
  lines: string[];
  /** How many of `lines` were cut at maxLineBytes. */
  truncatedLines: number;
  /** Set when this read noticed the file replaced at its path (rotation) or shrunk (copytruncate, `> file`). */
  rotated?: 'renamed' | 'truncated';
  /** What to persist once these lines are handled; undefined while no file was ever seen. */
  offset: FileOffset | undefined;
  /** The read stopped at maxReadBytes: call again, there is more already written. */
  more: boolean;
}

export interface TailerOptions {
  /** From loadOffset: continue there. Without it the file's current content is history, not news. */
  offset?: FileOffset;
  /** On first sight, read the file from its start instead of its end. */
  fromStart?: boolean;
  maxLineBytes?: number;
  chunkBytes?: number;
  /** At most this many bytes per readNew, so a huge backlog comes in bounded batches. */
  maxReadBytes?: number;
}

export const TAIL_CHUNK_BYTES = 64 * 1024;
export const MAX_LINE_BYTES = 64 * 1024;
export const MAX_READ_BYTES = 1024 * 1024;

const NEWLINE = 0x0a;

/**
 * Follows the lines appended to one file. Rotation by rename keeps the old file open until it
 * is read to its end, so lines written just before (or, by a writer not yet told, just after)
 * the rename are not lost; then the new file at the path is read from its start.
 * Calls to readNew run one at a time.
 */
export class FileTailer {
  private handle: FileHandle | undefined;
  private identity: Pick<FileOffset, 'dev' | 'ino'> | undefined;
  private readPosition = 0;
  private lastOffset: FileOffset | undefined;
  /** A file that appears after we saw the path empty is news from its first byte. */
  private sawMissing = false;
  private readonly splitter: LineSplitter;
  private readonly buffer: Buffer;
  private readonly maxReadBytes: number;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly path: string, private readonly options: TailerOptions = {}) {
    this.lastOffset = options.offset;
    this.splitter = new LineSplitter(options.maxLineBytes ?? MAX_LINE_BYTES);
    this.buffer = Buffer.alloc(options.chunkBytes ?? TAIL_CHUNK_BYTES);
    this.maxReadBytes = options.maxReadBytes ?? MAX_READ_BYTES;
  }

  readNew(): Promise<TailBatch> {
    const run = this.queue.then(() => this.readOnce());
    this.queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    await this.queue;
    await this.closeHandle();
  }

  private async readOnce(): Promise<TailBatch> {
    const batch = new Batch(this.maxReadBytes);
    if (this.handle === undefined) await this.openAtPath(batch);
    await this.follow(batch);
    return batch.result(this.currentOffset());
  }

  private currentOffset(): FileOffset | undefined {
    if (this.identity === undefined) return this.lastOffset;
    // Back to the start of a half-written line: after a restart it is read again, whole.
    return { ...this.identity, position: this.readPosition - this.splitter.pendingBytes };
  }

  private async openAtPath(batch: Batch): Promise<void> {
    const handle = await openIfExists(this.path);
    if (handle === undefined) {
      this.sawMissing = true;
      return;
    }
    // Identity from the open descriptor, not the path: the path may change between the two.
    const stats = await handle.stat({ bigint: true });
    this.handle = handle;
    this.identity = identityOf(stats);
    this.readPosition = await this.startPosition(handle, Number(stats.size), batch);
    this.sawMissing = false;
  }

  private async startPosition(handle: FileHandle, size: number, batch: Batch): Promise<number> {
    const known = this.lastOffset;
    // Even with the same inode (file systems reuse them), what appears after the path was empty is a new file.
    if (this.sawMissing) {
      if (known !== undefined) batch.rotated = 'renamed';
      return 0;
    }
    if (known !== undefined && sameFile(known, this.identity)) {
      if (size >= known.position) return known.position;
      batch.rotated = 'truncated';
      return 0;
    }
    if (known !== undefined) {
      batch.rotated = 'renamed';
      return 0;
    }
    if (this.options.fromStart) return 0;
    return startOfLastLine(handle, size, this.splitter.maxLineBytes);
  }

  private async follow(batch: Batch): Promise<void> {
    while (this.handle !== undefined) {
      const atPath = await statIfExists(this.path);
      const size = Number((await this.handle.stat({ bigint: true })).size);
      const replaced = atPath === undefined || !sameFile(identityOf(atPath), this.identity);
      if (!replaced && size < this.readPosition) this.restartAfterTruncation(batch);
      await this.readUpTo(size, batch);
      if (this.readPosition < size) {
        batch.more = true;
        return;
      }
      if (!replaced) return;
      await this.finishReplacedFile(batch);
      if (atPath === undefined) {
        this.sawMissing = true;
        return;
      }
      await this.openAtPath(batch);
    }
  }

  private restartAfterTruncation(batch: Batch): void {
    // What was before the cut (a half line included) is gone or copied elsewhere.
    this.splitter.reset();
    this.readPosition = 0;
    batch.rotated = 'truncated';
  }

  private async finishReplacedFile(batch: Batch): Promise<void> {
    // Nobody will finish the old file's last line any more.
    this.splitter.flush(batch);
    this.lastOffset = this.currentOffset();
    await this.closeHandle();
  }

  private async readUpTo(size: number, batch: Batch): Promise<void> {
    const end = Math.min(size, this.readPosition + batch.budget);
    while (this.handle !== undefined && this.readPosition < end) {
      const length = Math.min(this.buffer.length, end - this.readPosition);
      const { bytesRead } = await this.handle.read(this.buffer, 0, length, this.readPosition);
      // Shrunk between stat and read: the next read sees the truncation.
      if (bytesRead === 0) return;
      this.readPosition += bytesRead;
      batch.budget -= bytesRead;
      this.splitter.push(this.buffer.subarray(0, bytesRead), batch);
    }
  }

  private async closeHandle(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    this.identity = undefined;
    this.readPosition = 0;
    this.splitter.reset();
    await handle?.close();
  }
}

class Batch {
  lines: string[] = [];
  truncatedLines = 0;
  rotated: TailBatch['rotated'];
  more = false;

  constructor(public budget: number) {}

  add(line: string, cut: boolean): void {
    this.lines.push(line);
    if (cut) this.truncatedLines += 1;
  }

  result(offset: FileOffset | undefined): TailBatch {
    const result: TailBatch = { lines: this.lines, truncatedLines: this.truncatedLines, offset, more: this.more };
    if (this.rotated !== undefined) result.rotated = this.rotated;
    return result;
  }
}

/**
 * Cuts bytes into lines. A line still without its newline is held back, keeping at most
 * maxLineBytes of it, so a file with no line breaks costs bounded memory.
 */
class LineSplitter {
  private kept: Buffer[] = [];
  private keptBytes = 0;
  /** Bytes of the unfinished line in the file, kept or not. */
  pendingBytes = 0;

  constructor(readonly maxLineBytes: number) {}

  push(chunk: Buffer, batch: Batch): void {
    let start = 0;
    for (let newline = chunk.indexOf(NEWLINE); newline !== -1; newline = chunk.indexOf(NEWLINE, start)) {
      this.completeLine(chunk.subarray(start, newline), batch);
      start = newline + 1;
    }
    this.keep(chunk.subarray(start));
  }

  /** Reports the unfinished line as it is (the file it belongs to is done). */
  flush(batch: Batch): void {
    if (this.pendingBytes > 0) this.completeLine(Buffer.alloc(0), batch);
  }

  reset(): void {
    this.kept = [];
    this.keptBytes = 0;
    this.pendingBytes = 0;
  }

  private completeLine(tail: Buffer, batch: Batch): void {
    const totalBytes = this.pendingBytes + tail.length;
    const whole = this.pendingBytes === 0 ? tail : this.joinWith(tail);
    this.reset();
    if (totalBytes > this.maxLineBytes) {
      batch.add(utf8Prefix(whole, this.maxLineBytes).toString('utf8'), true);
      return;
    }
    batch.add(withoutCarriageReturn(whole).toString('utf8'), false);
  }

  private joinWith(tail: Buffer): Buffer {
    this.keep(tail);
    return Buffer.concat(this.kept, this.keptBytes);
  }

  private keep(part: Buffer): void {
    this.pendingBytes += part.length;
    const room = this.maxLineBytes - this.keptBytes;
    if (room <= 0 || part.length === 0) return;
    // A copy: the part is a view of the read buffer, which the next read overwrites.
    const copy = Buffer.from(part.subarray(0, room));
    this.kept.push(copy);
    this.keptBytes += copy.length;
  }
}

function withoutCarriageReturn(line: Buffer): Buffer {
  return line.at(-1) === 0x0d ? line.subarray(0, -1) : line;
}

/** At most `limit` bytes, not ending inside a multi-byte character (which would decode as U+FFFD). */
function utf8Prefix(bytes: Buffer, limit: number): Buffer {
  if (bytes.length <= limit) return bytes;
  let lead = limit - 1;
  while (lead > limit - 4 && lead > 0 && (bytes[lead]! & 0xc0) === 0x80) lead -= 1;
  const first = bytes[lead]!;
  const width = first >= 0xf0 ? 4 : first >= 0xe0 ? 3 : first >= 0xc0 ? 2 : 1;
  return bytes.subarray(0, lead + width <= limit ? limit : lead);
}

/**
 * Where news starts in a file seen for the first time: its end, or the start of a last line
 * still being written, so that line is reported whole once finished.
 */
async function startOfLastLine(handle: FileHandle, size: number, maxLineBytes: number): Promise<number> {
  const window = Math.min(size, maxLineBytes);
  if (window === 0) return size;
  const tail = Buffer.alloc(window);
  const { bytesRead } = await handle.read(tail, 0, window, size - window);
  const newline = tail.subarray(0, bytesRead).lastIndexOf(NEWLINE);
  if (newline !== -1) return size - window + newline + 1;
  return window === size ? 0 : size;
}

function identityOf(stats: BigIntStats): Pick<FileOffset, 'dev' | 'ino'> {
  return { dev: stats.dev.toString(), ino: stats.ino.toString() };
}

function sameFile(a: Pick<FileOffset, 'dev' | 'ino'>, b: Pick<FileOffset, 'dev' | 'ino'> | undefined): boolean {
  return b !== undefined && a.dev === b.dev && a.ino === b.ino;
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

async function openIfExists(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, 'r');
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

async function statIfExists(path: string): Promise<BigIntStats | undefined> {
  try {
    return await stat(path, { bigint: true });
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

// Offsets persist in Redis so a watcher restarted later continues where it stopped.

/** Hash path → JSON FileOffset: how far each file of a watch was reported. */
export const watchOffsetsKey = REDIS_KEYS.watchOffsets;

const storedOffset = z.object({
  dev: z.string().regex(/^\d+$/),
  ino: z.string().regex(/^\d+$/),
  position: z.number().int().nonnegative(),
});

/** The stored offset, or undefined when there is none or it is unreadable (then the file is new to us). */
export async function loadOffset(redis: Redis, watchId: string, path: string): Promise<FileOffset | undefined> {
  const raw = await redis.hget(watchOffsetsKey(watchId), path);
  if (raw === null) return undefined;
  try {
    const parsed = storedOffset.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Save after the batch's lines are handled: a crash in between reports them again rather than never. */
export async function saveOffset(redis: Redis, watchId: string, path: string, offset: FileOffset): Promise<void> {
  const { dev, ino, position } = offset;
  await redis.hset(watchOffsetsKey(watchId), path, JSON.stringify({ dev, ino, position }));
}
