import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WatchSpec } from '../../../services/watcher/file-agent.js';
import { listWatched, type ListProblem } from '../../../services/watcher/tree-listing.js';

let dir: string;
beforeEach(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'vigil-tree-listing-')));
  mkdirSync(join(dir, 'logs', 'old', 'older'), { recursive: true });
  for (const path of ['top.txt', 'logs/app.log', 'logs/app.txt', 'logs/old/a.log', 'logs/old/older/b.log']) writeFileSync(join(dir, path), 'x');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** `paths` relative to the temporary folder. */
async function listed(overrides: Partial<WatchSpec>): Promise<string[]> {
  const paths = (overrides.paths ?? ['.']).map((path) => join(dir, path));
  const spec: WatchSpec = { id: 'w', recursive: true, include: [], exclude: [], on: ['add'], ...overrides, paths };
  const problems: ListProblem[] = [];
  const found = await listWatched(spec, (problem) => problems.push(problem));
  expect(problems).toEqual([]);
  return found.map(({ path }) => (path === dir ? '.' : path.slice(dir.length + 1)));
}

describe('listWatched', () => {
  it.each([
    { name: 'a recursive watch: everything, the root included', spec: {}, expected: ['.', 'logs', 'logs/app.log', 'logs/app.txt', 'logs/old', 'logs/old/a.log', 'logs/old/older', 'logs/old/older/b.log', 'top.txt'] },
    { name: 'not recursive: the direct entries', spec: { recursive: false }, expected: ['.', 'logs', 'top.txt'] },
    { name: 'depth 1: one level of subfolders', spec: { depth: 1 }, expected: ['.', 'logs', 'logs/app.log', 'logs/app.txt', 'logs/old', 'top.txt'] },
    { name: 'include and exclude', spec: { include: ['*.log'], exclude: ['older/**', '**/older'] }, expected: ['.', 'logs', 'logs/app.log', 'logs/old', 'logs/old/a.log'] },
    { name: 'one file', spec: { paths: ['logs/app.log'] }, expected: ['logs/app.log'] },
    { name: 'a glob, as deep as it says', spec: { paths: ['logs/*.log'], recursive: false }, expected: ['logs/app.log', 'logs/old'] },
    { name: 'a path that does not exist yet', spec: { paths: ['missing/x.log'] }, expected: [] },
  ])('$name', async ({ spec, expected }) => {
    expect(await listed(spec)).toEqual(expected);
  });

  it('lists a symlink loop as a link, without following it', async () => {
    symlinkSync(dir, join(dir, 'logs', 'loop'));
    expect(await listed({ paths: ['logs'] })).toContain('logs/loop');
  });
});
