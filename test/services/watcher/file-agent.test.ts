import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WatchEvent } from '../../../libs/config/watches.js';
import { shouldFallBackToPolling, watchPaths, type FileEvent, type RunningWatch, type WatchSpec } from '../../../services/watcher/file-agent.js';
import { forEachLine } from '../../../scripts/local-stack/lines.js';
import { eventually } from '../../support/infra.js';
import { sleep } from '../../support/recording-receiver.js';

/** How long to keep listening after the expected events arrived, to catch one too many. */
const QUIET_MS = 300;
const ALL_KINDS: WatchEvent[] = ['add', 'change', 'unlink', 'addDir', 'unlinkDir'];

let dir: string;
let logLines: Array<{ level: number; msg: string; watchId?: string; path?: string }>;
const running: RunningWatch[] = [];

beforeEach(() => {
  // realpath: events name resolved paths, and the temporary folder may sit behind a link.
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'vigil-file-agent-')));
  logLines = [];
});
afterEach(async () => {
  for (const watch of running.splice(0)) await watch.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Started {
  events: FileEvent[];
  watch: RunningWatch;
  /** Events as 'kind path-relative-to-the-temporary-folder', in arrival order. */
  seen: () => string[];
  waitFor: (kind: WatchEvent, relativePath: string) => Promise<FileEvent>;
}

async function startWatch(overrides: Partial<WatchSpec> = {}, onEvent?: (event: FileEvent) => void): Promise<Started> {
  const spec: WatchSpec = { id: 'tmp-files', paths: [dir], recursive: true, include: [], exclude: [], on: ALL_KINDS, ...overrides };
  const events: FileEvent[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => { logLines.push(JSON.parse(line)); } });
  const watch = watchPaths(spec, (event) => { events.push(event); onEvent?.(event); }, log);
  running.push(watch);
  await watch.ready;
  const seen = () => events.map((event) => `${event.kind} ${event.path.slice(dir.length + 1)}`);
  const waitFor = (kind: WatchEvent, relativePath: string) => eventually(`${kind} ${relativePath}`,
    () => events.find((event) => event.kind === kind && event.path === join(dir, relativePath)), 5_000, 20);
  return { events, watch, seen, waitFor };
}

describe('watchPaths', () => {
  it('reports a file created, changed and deleted, with its size', async () => {
    const { seen, waitFor, watch } = await startWatch();
    expect(watch.mode).toBe('native');

    writeFileSync(join(dir, 'a.txt'), 'one');
    const added = await waitFor('add', 'a.txt');
    expect(added).toMatchObject({ watchId: 'tmp-files', stats: { size: 3 } });
    appendFileSync(join(dir, 'a.txt'), ' two');
    const changed = await waitFor('change', 'a.txt');
    expect(changed.stats?.size).toBe(7);
    unlinkSync(join(dir, 'a.txt'));
    const removed = await waitFor('unlink', 'a.txt');
    expect(removed.stats).toBeUndefined();

    await sleep(QUIET_MS);
    expect(seen()).toEqual(['add a.txt', 'change a.txt', 'unlink a.txt']);
  });

  it('says nothing about files that existed before it was ready', async () => {
    mkdirSync(join(dir, 'old'));
    writeFileSync(join(dir, 'old', 'before.txt'), 'x');
    const { seen, waitFor } = await startWatch();

    writeFileSync(join(dir, 'new.txt'), 'y');
    await waitFor('add', 'new.txt');
    await sleep(QUIET_MS);
    expect(seen()).toEqual(['add new.txt']);
  });

  it('under a recursive watch, enters folders created later at any depth', async () => {
    const { seen, waitFor } = await startWatch();

    mkdirSync(join(dir, 'a', 'b', 'c'), { recursive: true });
    writeFileSync(join(dir, 'a', 'b', 'c', 'deep.txt'), 'x');
    await waitFor('add', 'a/b/c/deep.txt');
    writeFileSync(join(dir, 'a', 'b', 'later.txt'), 'y');
    await waitFor('add', 'a/b/later.txt');
    expect(seen()).toEqual(expect.arrayContaining(['addDir a', 'addDir a/b', 'addDir a/b/c']));
  });

  it('under a non-recursive watch, reports only the direct children', async () => {
    const { seen, waitFor } = await startWatch({ recursive: false });

    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    writeFileSync(join(dir, 'a', 'inside.txt'), 'x');
    writeFileSync(join(dir, 'a', 'b', 'deeper.txt'), 'x');
    writeFileSync(join(dir, 'top.txt'), 'y');
    await waitFor('add', 'top.txt');
    await waitFor('addDir', 'a');
    await sleep(QUIET_MS);
    expect(seen().sort()).toEqual(['add top.txt', 'addDir a']);
  });

  it('enters subfolders only as deep as depth says', async () => {
    const { seen, waitFor } = await startWatch({ depth: 1, on: ['add'] });

    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    writeFileSync(join(dir, 'a', 'b', 'too-deep.txt'), 'x');
    writeFileSync(join(dir, 'a', 'one-level.txt'), 'x');
    await waitFor('add', 'a/one-level.txt');
    await sleep(QUIET_MS);
    expect(seen()).toEqual(['add a/one-level.txt']);
  });

  it('applies include and exclude, and still enters new folders for included files', async () => {
    const { seen, waitFor } = await startWatch({ include: ['*.log'], exclude: ['skip/**'], on: ['add'] });

    mkdirSync(join(dir, 'skip'));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'skip', 'c.log'), 'x');
    writeFileSync(join(dir, 'b.txt'), 'x');
    writeFileSync(join(dir, 'sub', 'd.log'), 'x');
    writeFileSync(join(dir, 'a.log'), 'x');
    await waitFor('add', 'a.log');
    await waitFor('add', 'sub/d.log');
    await sleep(QUIET_MS);
    expect(seen().sort()).toEqual(['add a.log', 'add sub/d.log']);
  });

  it('takes a glob as a path', async () => {
    const { seen, waitFor } = await startWatch({ paths: [join(dir, 'logs', '*.log')], recursive: false, on: ['add'] });

    mkdirSync(join(dir, 'logs', 'old'), { recursive: true });
    writeFileSync(join(dir, 'logs', 'old', 'no.log'), 'x');
    writeFileSync(join(dir, 'logs', 'no.txt'), 'x');
    writeFileSync(join(dir, 'logs', 'yes.log'), 'x');
    await waitFor('add', 'logs/yes.log');
    await sleep(QUIET_MS);
    expect(seen()).toEqual(['add logs/yes.log']);
  });

  it('reports only the kinds in on', async () => {
    const { seen, waitFor } = await startWatch({ on: ['unlink'] });

    mkdirSync(join(dir, 'folder'));
    writeFileSync(join(dir, 'a.txt'), 'x');
    await sleep(50);
    appendFileSync(join(dir, 'a.txt'), 'y');
    await sleep(50);
    unlinkSync(join(dir, 'a.txt'));
    await waitFor('unlink', 'a.txt');
    await sleep(QUIET_MS);
    expect(seen()).toEqual(['unlink a.txt']);
  });

  it('picks up a folder that did not exist yet, two levels down, and nothing beside it', async () => {
    const target = join(dir, 'later', 'deeper', 'target');
    const { seen, waitFor } = await startWatch({ paths: [target] });

    mkdirSync(join(dir, 'later'));
    writeFileSync(join(dir, 'later', 'beside.txt'), 'x');
    mkdirSync(join(target, 'sub'), { recursive: true });
    writeFileSync(join(target, 'sub', 'f.txt'), 'x');
    await waitFor('add', 'later/deeper/target/sub/f.txt');
    await sleep(QUIET_MS);
    expect(seen()).toEqual(['addDir later/deeper/target', 'addDir later/deeper/target/sub', 'add later/deeper/target/sub/f.txt']);
  });

  it('picks up a file that did not exist yet, and again after it was deleted and recreated', async () => {
    const { seen, waitFor, events } = await startWatch({ paths: [join(dir, 'app.log')] });

    writeFileSync(join(dir, 'other.log'), 'x');
    writeFileSync(join(dir, 'app.log'), 'first');
    await waitFor('add', 'app.log');
    unlinkSync(join(dir, 'app.log'));
    await waitFor('unlink', 'app.log');
    writeFileSync(join(dir, 'app.log'), 'second');
    await eventually('the second add', () => events.filter((event) => event.kind === 'add').length === 2 || undefined, 5_000, 20);
    await sleep(QUIET_MS);
    expect(seen()).toEqual(['add app.log', 'unlink app.log', 'add app.log']);
  });

  it('does not hang or wander on a symlink loop, and reports a new link as itself', async () => {
    mkdirSync(join(dir, 'a'));
    symlinkSync(dir, join(dir, 'a', 'loop'));
    symlinkSync(join(dir, 'self'), join(dir, 'self'));
    const { seen, waitFor } = await startWatch();

    symlinkSync(join(dir, 'a'), join(dir, 'a', 'inner-loop'));
    writeFileSync(join(dir, 'a', 'f.txt'), 'x');
    await waitFor('add', 'a/f.txt');
    await waitFor('add', 'a/inner-loop');
    await sleep(QUIET_MS);
    expect(seen().sort()).toEqual(['add a/f.txt', 'add a/inner-loop']);
  });

  it('with a settle time, reports a file written in chunks once, after it settled', async () => {
    const SETTLE_MS = 250;
    writeFileSync(join(dir, 'big.bin'), '');
    const { events, waitFor } = await startWatch({ settleMs: SETTLE_MS });

    for (let chunk = 0; chunk < 5; chunk++) {
      appendFileSync(join(dir, 'big.bin'), 'x'.repeat(1000));
      await sleep(40); // the writer's pace, shorter than the settle time
    }
    const lastWriteAt = Date.now();
    const changed = await waitFor('change', 'big.bin');
    expect(changed.atMs - lastWriteAt).toBeGreaterThanOrEqual(SETTLE_MS - 50);
    expect(changed.stats?.size).toBe(5000);
    await sleep(QUIET_MS);
    expect(events.filter((event) => event.kind === 'change')).toHaveLength(1);
  });

  it('in polling mode sees a change too', async () => {
    writeFileSync(join(dir, 'polled.txt'), 'one');
    const { waitFor, watch, seen } = await startWatch({ polling: true, pollIntervalMs: 50 });
    expect(watch.mode).toBe('polling');

    appendFileSync(join(dir, 'polled.txt'), ' two');
    const changed = await waitFor('change', 'polled.txt').catch((err) => { throw new Error(`${err} seen: ${seen().join(', ')}`); });
    expect(changed.stats?.size).toBe(7);
    writeFileSync(join(dir, 'new.txt'), 'x');
    await waitFor('add', 'new.txt');
  });

  it('reports nothing after close', async () => {
    const { events, watch } = await startWatch();
    await watch.close();

    writeFileSync(join(dir, 'after-close.txt'), 'x');
    await sleep(QUIET_MS);
    expect(events).toEqual([]);
  });

  it('logs a failing handler with the watch id and goes on', async () => {
    let calls = 0;
    const { waitFor } = await startWatch({ on: ['add'] }, () => {
      calls++;
      if (calls === 1) throw new Error('handler broke');
    });

    writeFileSync(join(dir, 'first.txt'), 'x');
    await waitFor('add', 'first.txt');
    writeFileSync(join(dir, 'second.txt'), 'x');
    await waitFor('add', 'second.txt');
    expect(logLines.some((line) => line.watchId === 'tmp-files' && line.path === join(dir, 'first.txt') && line.msg.includes('handling a file event failed'))).toBe(true);
  });

  // Root reads everything regardless of permissions, so this only means something as another user.
  it.skipIf(process.getuid?.() === 0)('skips a subfolder it may not read, with a message naming it', async () => {
    mkdirSync(join(dir, 'locked'));
    chmodSync(join(dir, 'locked'), 0o000);
    try {
      const { waitFor } = await startWatch();
      writeFileSync(join(dir, 'open.txt'), 'x');
      await waitFor('add', 'open.txt');
      expect(logLines.some((line) => line.path === join(dir, 'locked') && line.msg.includes('permission denied'))).toBe(true);
    } finally {
      chmodSync(join(dir, 'locked'), 0o755);
    }
  });
});

/** A user namespace of its own gives a process its own inotify limit (Linux 5.11+), so lowering it touches nothing else. */
const canLimitInotify = spawnSync('unshare', ['--user', '--map-root-user', 'sh', '-c', 'echo 2 > /proc/sys/user/max_inotify_watches']).status === 0;

describe('when the inotify limit is reached', () => {
  it.skipIf(!canLimitInotify)('falls back to polling, says so once with the path and code, and still sees new files', async () => {
    for (const folder of ['a', 'b', 'c', 'd']) mkdirSync(join(dir, folder));
    const child = spawn('unshare', ['--user', '--map-root-user', 'sh', '-c',
      `echo 2 > /proc/sys/user/max_inotify_watches && exec "${process.execPath}" --import tsx test/support/limited-inotify-watch.ts "${dir}"`], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines: Array<{ problem?: { path: string; code: string; message: string }; ready?: boolean; mode?: string; event?: string; path?: string }> = [];
    forEachLine(child.stdout!, (line) => lines.push(JSON.parse(line)));
    try {
      const ready = await eventually('the watch to be ready', () => lines.find((line) => line.ready), 20_000);
      expect(ready.mode).toBe('polling');
      writeFileSync(join(dir, 'c', 'new.txt'), 'x');
      await eventually('the new file', () => lines.find((line) => line.event === 'add' && line.path === join(dir, 'c', 'new.txt')), 10_000);
      const problems = lines.filter((line) => line.problem);
      expect(problems).toHaveLength(1);
      expect(problems[0]!.problem).toMatchObject({ code: 'ENOSPC', message: expect.stringContaining('falls back to polling') });
      expect(problems[0]!.problem!.path.startsWith(dir)).toBe(true);
    } finally {
      child.stdin!.end();
      await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
    }
  }, 40_000);
});

describe('shouldFallBackToPolling', () => {
  const errno = (code: string) => Object.assign(new Error(code), { code });
  it.each([
    ['inotify watches used up', errno('ENOSPC'), true],
    ['too many open files in the process', errno('EMFILE'), true],
    ['too many open files in the system', errno('ENFILE'), true],
    ['permission denied', errno('EACCES'), false],
    ['a path that vanished', errno('ENOENT'), false],
    ['an error without a code', new Error('boom'), false],
    ['not an error at all', 'ENOSPC', false],
    ['nothing', undefined, false],
  ])('%s', (_description, err, expected) => {
    expect(shouldFallBackToPolling(err)).toBe(expected);
  });
});
