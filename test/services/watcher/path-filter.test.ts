import { describe, expect, it } from 'vitest';
import { pathFilter } from '../../../services/watcher/path-filter.js';

const ROOT = '/w';
const FILE = false;
const DIR = true;

type Case = [description: string, path: string, isDir: boolean, expected: boolean];

function check(include: string[], exclude: string[], cases: Case[]) {
  const accepts = pathFilter({ root: ROOT, include, exclude });
  it.each(cases)('%s (%s)', (_description, path, isDir, expected) => {
    expect(accepts(path, isDir)).toBe(expected);
  });
}

describe('pathFilter', () => {
  describe('without include or exclude', () => check([], [], [
    ['a file is in', '/w/a.txt', FILE, true],
    ['a folder is in', '/w/sub', DIR, true],
    ['a dotfile is in', '/w/.ssh/authorized_keys', FILE, true],
  ]));

  describe('an include without a slash matches the name at any depth', () => check(['*.log'], [], [
    ['a matching file at the top', '/w/app.log', FILE, true],
    ['a matching file deep down', '/w/deep/er/app.log', FILE, true],
    ['a matching dotfile', '/w/.hidden.log', FILE, true],
    ['a file that does not match', '/w/app.txt', FILE, false],
    ['a new folder is still entered', '/w/new', DIR, true],
    ['the root itself', '/w', DIR, true],
    ['a path outside the root, which relative globs do not reach', '/elsewhere/app.log', FILE, false],
  ]));

  describe('an include naming files in one folder', () => check(['logs/*.log'], [], [
    ['a file there', '/w/logs/a.log', FILE, true],
    ['the same name elsewhere', '/w/other/a.log', FILE, false],
    ['the folder that can hold matches', '/w/logs', DIR, true],
    ['a folder that cannot', '/w/other', DIR, false],
    ['a subfolder below where the glob reaches', '/w/logs/old', DIR, false],
  ]));

  describe('an include naming a folder takes everything in it', () => check(['logs/**'], [], [
    ['the folder', '/w/logs', DIR, true],
    ['a file deep inside', '/w/logs/x/y.txt', FILE, true],
    ['another folder', '/w/src', DIR, false],
    ['a file elsewhere', '/w/src/a.txt', FILE, false],
  ]));

  describe('a globstar include enters every folder', () => check(['**/*.log'], [], [
    ['any folder', '/w/any/deep', DIR, true],
    ['a matching file deep down, in a hidden folder', '/w/.cache/deep/a.log', FILE, true],
    ['a file that does not match', '/w/a.txt', FILE, false],
  ]));

  describe('an include with braces is not split by segment, so folders are entered', () => check(['{logs,data}/*.log'], [], [
    ['any folder', '/w/src', DIR, true],
    ['a matching file', '/w/data/a.log', FILE, true],
    ['a file in a folder the braces do not name', '/w/src/a.log', FILE, false],
  ]));

  describe('exclude', () => check([], ['*.tmp', 'node_modules', 'build/**'], [
    ['a matching file at the top', '/w/a.tmp', FILE, false],
    ['a matching file deep down', '/w/x/y/a.tmp', FILE, false],
    ['a file that does not match', '/w/a.txt', FILE, true],
    ['an excluded folder', '/w/node_modules', DIR, false],
    ['a file inside an excluded folder', '/w/node_modules/x/index.js', FILE, false],
    ['an excluded folder deeper down', '/w/src/node_modules', DIR, false],
    ['the folder a folder/** glob names', '/w/build', DIR, false],
    ['a file inside it', '/w/build/out.js', FILE, false],
  ]));

  describe('exclude wins over include', () => check(['*.log'], ['debug.log', 'archive'], [
    ['an included file', '/w/app.log', FILE, true],
    ['a file both include and exclude name', '/w/debug.log', FILE, false],
    ['an included file in an excluded folder', '/w/archive/app.log', FILE, false],
  ]));

  describe('absolute globs are matched against the absolute path', () => check(['/w/logs/*.log'], ['/w/logs/secret*'], [
    ['a matching file', '/w/logs/a.log', FILE, true],
    ['a file the glob does not name', '/w/b.log', FILE, false],
    ['the folder that can hold matches', '/w/logs', DIR, true],
    ['a folder that cannot', '/w/x', DIR, false],
    ['an excluded file', '/w/logs/secret.log', FILE, false],
  ]));

  it('matches the path as given when there is no root', () => {
    const accepts = pathFilter({ include: ['logs/*.log'], exclude: [] });
    expect(accepts('logs/a.log', FILE)).toBe(true);
    expect(accepts('src/a.log', FILE)).toBe(false);
  });
});
