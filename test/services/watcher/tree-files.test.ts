import { chmodSync, mkdirSync, mkdtempSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TreeFiles, type TreeEventKind } from '../../../services/watcher/tree-files.js';
import { eventually } from '../../support/infra.js';
import { sleep } from '../../support/recording-receiver.js';

/** How long to keep listening after the expected events arrived, to catch one too many. */
const QUIET_MS = 100;

let dir: string;
let events: string[];
let errors: string[];
let tree: TreeFiles;

function track(options: { settleMs?: number; maxLevel?: number; inScope?: (path: string) => boolean } = {}): TreeFiles {
  tree = new TreeFiles({
    inScope: options.inScope ?? (() => true),
    mayEnter: (_path, level) => level <= (options.maxLevel ?? Number.POSITIVE_INFINITY),
    ...(options.settleMs === undefined ? {} : { settleMs: options.settleMs }),
    onEvent: (kind: TreeEventKind, path) => events.push(`${kind} ${path.slice(dir.length + 1)}`),
    onError: (err, path) => errors.push(`${(err as NodeJS.ErrnoException).code} ${path.slice(dir.length + 1)}`),
  });
  return tree;
}

beforeEach(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'vigil-tree-files-')));
  events = [];
  errors = [];
});
afterEach(() => {
  tree?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('TreeFiles', () => {
  it('learns the files already there without reporting them', async () => {
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    writeFileSync(join(dir, 'top.txt'), 'x');
    writeFileSync(join(dir, 'a', 'b', 'deep.txt'), 'x');
    await track().learn(dir, 0);

    expect(tree.paths().sort()).toEqual([join(dir, 'a', 'b', 'deep.txt'), join(dir, 'top.txt')]);
    tree.touched(dir, 'top.txt');
    await sleep(QUIET_MS);
    expect(events).toEqual([]);
  });

  it('tells add, change and unlink apart by comparing what it saw', async () => {
    await track().learn(dir, 0);
    writeFileSync(join(dir, 'f.txt'), 'one');
    tree.touched(dir, 'f.txt');
    await eventually('add', () => events.includes('add f.txt') || undefined);
    writeFileSync(join(dir, 'f.txt'), 'one two');
    tree.touched(dir, 'f.txt');
    await eventually('change', () => events.includes('change f.txt') || undefined);
    rmSync(join(dir, 'f.txt'));
    tree.touched(dir, 'f.txt');
    await eventually('unlink', () => events.includes('unlink f.txt') || undefined);
    expect(events).toEqual(['add f.txt', 'change f.txt', 'unlink f.txt']);
  });

  it('reports a change of mode alone, which leaves size and mtime as they were', async () => {
    writeFileSync(join(dir, 'secret.key'), 'k');
    await track().learn(dir, 0);
    chmodSync(join(dir, 'secret.key'), 0o600);
    tree.touched(dir, 'secret.key');
    await eventually('change', () => events.includes('change secret.key') || undefined);
  });

  it('makes one check of a burst of events on one file', async () => {
    await track().learn(dir, 0);
    writeFileSync(join(dir, 'burst.log'), 'x');
    for (let i = 0; i < 50; i++) tree.touched(dir, 'burst.log');
    await eventually('add', () => events.length > 0 || undefined);
    await sleep(QUIET_MS);
    expect(events).toEqual(['add burst.log']);
  });

  it('with a settle time, waits until the events stop', async () => {
    const SETTLE_MS = 150;
    await track({ settleMs: SETTLE_MS }).learn(dir, 0);
    writeFileSync(join(dir, 'upload.bin'), 'x');
    tree.touched(dir, 'upload.bin');
    await sleep(SETTLE_MS / 2);
    writeFileSync(join(dir, 'upload.bin'), 'xx');
    tree.touched(dir, 'upload.bin');
    await sleep(SETTLE_MS / 2);
    expect(events).toEqual([]);
    await eventually('add', () => events.includes('add upload.bin') || undefined);
    await sleep(QUIET_MS);
    expect(events).toEqual(['add upload.bin']);
  });

  it('reports the files of a folder moved into the tree, one folder at a time', async () => {
    await track().learn(dir, 0);
    const outside = realpathSync(mkdtempSync(join(tmpdir(), 'vigil-tree-outside-')));
    mkdirSync(join(outside, 'release', 'bin'), { recursive: true });
    writeFileSync(join(outside, 'release', 'a.txt'), 'a');
    writeFileSync(join(outside, 'release', 'bin', 'b'), 'b');
    renameSync(join(outside, 'release'), join(dir, 'release'));
    rmSync(outside, { recursive: true, force: true });

    await tree.discover(join(dir, 'release'), 1);
    await eventually('the folder\'s own file', () => events.length === 1 || undefined);
    await tree.discover(join(dir, 'release', 'bin'), 2);
    await eventually('two adds', () => events.length === 2 || undefined);
    expect(events.sort()).toEqual(['add release/a.txt', 'add release/bin/b']);
  });

  it('reports every file of a removed folder as unlinked', async () => {
    mkdirSync(join(dir, 'old', 'logs'), { recursive: true });
    writeFileSync(join(dir, 'old', 'x'), 'x');
    writeFileSync(join(dir, 'old', 'logs', 'y'), 'y');
    writeFileSync(join(dir, 'kept'), 'k');
    await track().learn(dir, 0);
    rmSync(join(dir, 'old'), { recursive: true });

    tree.folderRemoved(join(dir, 'old'));
    await eventually('two unlinks', () => events.length === 2 || undefined);
    await sleep(QUIET_MS);
    expect(events.sort()).toEqual(['unlink old/logs/y', 'unlink old/x']);
    expect(tree.paths()).toEqual([join(dir, 'kept')]);
  });

  it('enters folders only as deep as it may, and keeps only files in scope', async () => {
    mkdirSync(join(dir, 'one', 'two'), { recursive: true });
    writeFileSync(join(dir, 'one', 'in.log'), 'x');
    writeFileSync(join(dir, 'one', 'out.txt'), 'x');
    writeFileSync(join(dir, 'one', 'two', 'too-deep.log'), 'x');
    await track({ maxLevel: 1, inScope: (path) => path.endsWith('.log') }).learn(dir, 0);
    expect(tree.paths()).toEqual([join(dir, 'one', 'in.log')]);
  });

  it('without an entry name, looks at the whole folder again', async () => {
    writeFileSync(join(dir, 'gone.txt'), 'x');
    await track().learn(dir, 0);
    rmSync(join(dir, 'gone.txt'));
    writeFileSync(join(dir, 'new.txt'), 'x');
    tree.touched(dir, undefined);
    await eventually('both', () => events.length === 2 || undefined);
    expect(events.sort()).toEqual(['add new.txt', 'unlink gone.txt']);
  });

  it('reports nothing once stopped', async () => {
    await track().learn(dir, 0);
    writeFileSync(join(dir, 'late.txt'), 'x');
    tree.touched(dir, 'late.txt');
    tree.stop();
    await sleep(QUIET_MS);
    expect(events).toEqual([]);
  });
});
