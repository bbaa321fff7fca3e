import { appendFileSync, copyFileSync, mkdtempSync, renameSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  FileTailer,
  loadOffset,
  MAX_LINE_BYTES,
  MAX_READ_BYTES,
  saveOffset,
  TAIL_CHUNK_BYTES,
  watchOffsetsKey,
  type TailBatch,
  type TailerOptions,
} from '../../../services/watcher/tailer.js';
import { isolatedRedisUrl } from '../../support/infra.js';

let dir: string;
let path: string;
const tailers: FileTailer[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-tailer-'));
  path = join(dir, 'app.log');
});
afterEach(async () => {
  await Promise.all(tailers.splice(0).map((tailer) => tailer.close()));
  rmSync(dir, { recursive: true, force: true });
});

function tail(options?: TailerOptions): FileTailer {
  const tailer = new FileTailer(path, options);
  tailers.push(tailer);
  return tailer;
}

/** A tailer already past the file's current content, as after its first look. */
async function following(options?: TailerOptions): Promise<FileTailer> {
  const tailer = tail(options);
  await tailer.readNew();
  return tailer;
}

async function readAll(tailer: FileTailer): Promise<TailBatch[]> {
  const batches = [await tailer.readNew()];
  while (batches.at(-1)!.more) batches.push(await tailer.readNew());
  return batches;
}

describe('following a log file', () => {
  it('reports lines appended after it started, not what the file already held', async () => {
    writeFileSync(path, 'old 1\nold 2\n');
    const tailer = await following();
    appendFileSync(path, 'new 1\n');
    appendFileSync(path, 'new 2\nnew 3\n');
    expect((await tailer.readNew()).lines).toEqual(['new 1', 'new 2', 'new 3']);
  });

  it('reports nothing when nothing was appended since the last read', async () => {
    writeFileSync(path, 'old\n');
    const tailer = await following();
    appendFileSync(path, 'new\n');
    await tailer.readNew();
    expect((await tailer.readNew()).lines).toEqual([]);
  });

  it('reads the whole file when told to start from the beginning', async () => {
    writeFileSync(path, 'one\ntwo\n');
    expect((await tail({ fromStart: true }).readNew()).lines).toEqual(['one', 'two']);
  });

  it('holds back a half-written line until its newline arrives', async () => {
    writeFileSync(path, '');
    const tailer = await following();
    appendFileSync(path, 'done\nhalf');
    expect((await tailer.readNew()).lines).toEqual(['done']);
    appendFileSync(path, ' a line\n');
    expect((await tailer.readNew()).lines).toEqual(['half a line']);
  });

  it('reports whole a line that was being written when it started', async () => {
    writeFileSync(path, 'history\nbeing wri');
    const tailer = await following();
    appendFileSync(path, 'tten\n');
    expect((await tailer.readNew()).lines).toEqual(['being written']);
  });

  it('drops the carriage return of Windows line endings', async () => {
    writeFileSync(path, '');
    const tailer = await following();
    appendFileSync(path, 'crlf\r\n');
    expect((await tailer.readNew()).lines).toEqual(['crlf']);
  });
});

describe('rotation and truncation', () => {
  it('loses no line around a rename-and-recreate rotation, even one written to the old file after the rename', async () => {
    writeFileSync(path, 'history\n');
    const tailer = await following();
    appendFileSync(path, 'before rotation\n');
    renameSync(path, `${path}.1`);
    appendFileSync(`${path}.1`, 'late write to the old file\n');
    writeFileSync(path, 'first in new file\n');

    const batch = await tailer.readNew();
    expect(batch.lines).toEqual(['before rotation', 'late write to the old file', 'first in new file']);
    expect(batch.rotated).toBe('renamed');
    appendFileSync(path, 'second in new file\n');
    expect((await tailer.readNew()).lines).toEqual(['second in new file']);
  });

  it('reports the unfinished last line of a rotated file, since nobody will finish it', async () => {
    writeFileSync(path, '');
    const tailer = await following();
    appendFileSync(path, 'cut short');
    renameSync(path, `${path}.1`);
    writeFileSync(path, 'new\n');
    expect((await tailer.readNew()).lines).toEqual(['cut short', 'new']);
  });

  it('picks up the new file when the old one was removed before the new one appeared', async () => {
    writeFileSync(path, '');
    const tailer = await following();
    appendFileSync(path, 'last words\n');
    unlinkSync(path);
    expect((await tailer.readNew()).lines).toEqual(['last words']);
    writeFileSync(path, 'reborn\n');
    expect((await tailer.readNew()).lines).toEqual(['reborn']);
  });

  it('loses nothing written after a copytruncate rotation', async () => {
    writeFileSync(path, 'a rather long line of history that the new content will not reach\n');
    const tailer = await following();
    copyFileSync(path, `${path}.1`);
    truncateSync(path, 0);
    appendFileSync(path, 'after 1\nafter 2\n');

    const batch = await tailer.readNew();
    expect(batch.lines).toEqual(['after 1', 'after 2']);
    expect(batch.rotated).toBe('truncated');
  });

  it('starts again from the top when the file is overwritten with something shorter', async () => {
    writeFileSync(path, 'line one\nline two\nline three\n');
    const tailer = await following();
    writeFileSync(path, 'fresh\n');
    const batch = await tailer.readNew();
    expect(batch.lines).toEqual(['fresh']);
    expect(batch.rotated).toBe('truncated');
  });
});

describe('bad input', () => {
  it('cuts a huge line at maxLineBytes and counts it', async () => {
    writeFileSync(path, '');
    const tailer = await following();
    appendFileSync(path, `${'x'.repeat(5 * MAX_LINE_BYTES)}\nnormal\n`);
    const batch = await tailer.readNew();
    expect(batch.lines).toEqual(['x'.repeat(MAX_LINE_BYTES), 'normal']);
    expect(batch.truncatedLines).toBe(1);
  });

  it('does not cut a line in the middle of a multi-byte character', async () => {
    writeFileSync(path, '');
    const tailer = await following({ maxLineBytes: 5 });
    appendFileSync(path, 'aaé€\n');
    expect((await tailer.readNew()).lines).toEqual(['aaé']);
  });

  it('replaces invalid UTF-8 and binary bytes instead of failing', async () => {
    writeFileSync(path, '');
    const tailer = await following();
    appendFileSync(path, Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x0a, 0xe2, 0x82, 0x0a]));
    appendFileSync(path, 'text again\n');
    const batch = await tailer.readNew();
    expect(batch.lines).toEqual(['\uFFFD\uFFFD\u0000\uFFFD(', '\uFFFD', 'text again']);
  });

  it('reports nothing for a file that does not exist yet, then all of it once created', async () => {
    const tailer = tail();
    const before = await tailer.readNew();
    expect(before).toMatchObject({ lines: [], offset: undefined });
    writeFileSync(path, 'first\nsecond\n');
    expect((await tailer.readNew()).lines).toEqual(['first', 'second']);
  });

  it('reads a 50 MB backlog in bounded chunks and bounded batches', async () => {
    const line = `${'y'.repeat(99)}\n`;
    const block = line.repeat(10_000);
    for (let i = 0; i < 50; i += 1) appendFileSync(path, block);
    const probe = await open(path);
    const read = vi.spyOn(Object.getPrototypeOf(probe) as { read: (...args: unknown[]) => unknown }, 'read');
    await probe.close();

    const batches = await readAll(tail({ fromStart: true }));
    const lengths = read.mock.calls.map((args) => args[2] as number);
    read.mockRestore();
    expect(batches.reduce((sum, batch) => sum + batch.lines.length, 0)).toBe(500_000);
    expect(Math.max(...lengths)).toBe(TAIL_CHUNK_BYTES);
    // A batch holds at most MAX_READ_BYTES read now, plus the start of a line begun in the previous one.
    expect(Math.max(...batches.map((batch) => batch.lines.length * line.length))).toBeLessThanOrEqual(MAX_READ_BYTES + line.length);
  });
});

describe('offsets kept in Redis', () => {
  let redis: Redis;
  const watchId = 'app-logs';

  beforeAll(async () => {
    redis = new Redis(await isolatedRedisUrl());
  });
  afterAll(async () => {
    await redis.quit();
  });

  /** Runs a tailer as a watcher would: read, then persist how far it got. */
  async function readAndSave(tailer: FileTailer): Promise<string[]> {
    const batch = await tailer.readNew();
    if (batch.offset !== undefined) await saveOffset(redis, watchId, path, batch.offset);
    return batch.lines;
  }

  async function restarted(): Promise<FileTailer> {
    const offset = await loadOffset(redis, watchId, path);
    return tail(offset === undefined ? {} : { offset });
  }

  it('stores each file offset as JSON in the watch hash', async () => {
    writeFileSync(path, 'history\n');
    await readAndSave(tail());
    const stored: unknown = JSON.parse((await redis.hget(watchOffsetsKey(watchId), path))!);
    expect(stored).toMatchObject({ position: 'history\n'.length, dev: expect.any(String), ino: expect.any(String) });
  });

  it('a restarted tailer reports only what was appended while it was stopped', async () => {
    writeFileSync(path, 'history\n');
    const first = tail();
    appendFileSync(path, 'seen\n');
    await readAndSave(first);
    await first.close();
    appendFileSync(path, 'while stopped\n');

    expect(await readAndSave(await restarted())).toEqual(['while stopped']);
  });

  it('a line half-written when the tailer stopped is reported once, whole, after restart', async () => {
    writeFileSync(path, '');
    const first = await following();
    appendFileSync(path, 'complete\nhalf');
    expect(await readAndSave(first)).toEqual(['complete']);
    await first.close();
    appendFileSync(path, ' done\n');

    expect(await readAndSave(await restarted())).toEqual(['half done']);
  });

  it('reads a file rotated while it was stopped from its start', async () => {
    writeFileSync(path, 'history\n');
    const first = tail();
    await readAndSave(first);
    await first.close();
    renameSync(path, `${path}.1`);
    writeFileSync(path, 'new file\n');

    const batch = await (await restarted()).readNew();
    expect(batch.lines).toEqual(['new file']);
    expect(batch.rotated).toBe('renamed');
  });

  it('treats an unreadable stored offset as none', async () => {
    await redis.hset(watchOffsetsKey(watchId), path, 'not json');
    expect(await loadOffset(redis, watchId, path)).toBeUndefined();
  });
});
