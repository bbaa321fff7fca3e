import { isAbsolute, relative, sep } from 'node:path';
import picomatch from 'picomatch';

export interface PathFilterOptions {
  /** Relative globs are matched against the path relative to this folder; absolute globs against the absolute path. */
  root?: string;
  include: readonly string[];
  exclude: readonly string[];
}

/** Whether a path belongs to the watch; `isDir` because folders are judged differently from files. */
export type PathFilter = (path: string, isDir: boolean) => boolean;

interface Glob {
  absolute: boolean;
  matches: (subject: string) => boolean;
  /** Whether something inside the folder `subject` could match; only asked of include globs. */
  couldContainMatch: (subject: string) => boolean;
}

// Dotfiles count: a monitor must not skip .ssh/authorized_keys.
const PICOMATCH_OPTIONS = { dot: true } as const;

/**
 * Include and exclude as one predicate. A path is out if it or a folder above it matches an
 * exclude (exclude wins). A file is in when there is no include, or it or a folder above it
 * matches one. A folder is in when it could hold an included file, so an include that names
 * only files never stops new subfolders from being entered. The root itself is always in
 * unless excluded: it was named explicitly.
 */
export function pathFilter({ root, include, exclude }: PathFilterOptions): PathFilter {
  const includes = include.map(compileGlob);
  const excludes = exclude.map(compileGlob);
  return (path, isDir) => {
    const subjects = subjectsOf(path, root);
    if (excludes.some((glob) => anyPrefixMatches(glob, subjects))) return false;
    if (includes.length === 0 || subjects.relative === '') return true;
    if (includes.some((glob) => anyPrefixMatches(glob, subjects))) return true;
    return isDir && includes.some((glob) => glob.couldContainMatch(subjectFor(glob, subjects)));
  };
}

interface Subjects {
  absolute: string;
  /** Relative to the root with forward slashes ('' for the root itself, undefined outside it); without a root, the path as given. */
  relative: string | undefined;
}

function subjectsOf(path: string, root: string | undefined): Subjects {
  const absolute = toSlashes(path);
  if (root === undefined) return { absolute, relative: absolute };
  const rel = relative(root, path);
  const outside = rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);
  return { absolute, relative: outside ? undefined : toSlashes(rel) };
}

function subjectFor(glob: Glob, subjects: Subjects): string {
  return (glob.absolute ? subjects.absolute : subjects.relative) ?? '';
}

function anyPrefixMatches(glob: Glob, subjects: Subjects): boolean {
  const subject = glob.absolute ? subjects.absolute : subjects.relative;
  if (!subject) return false;
  return prefixesOf(subject).some((prefix) => glob.matches(prefix));
}

/** 'a/b/c' → ['a', 'a/b', 'a/b/c']; '/x/y' → ['/x', '/x/y']. */
function prefixesOf(subject: string): string[] {
  const prefixes: string[] = [];
  for (let i = 1; i <= subject.length; i++) {
    if (i === subject.length || subject[i] === '/') prefixes.push(subject.slice(0, i));
  }
  return prefixes;
}

function compileGlob(pattern: string): Glob {
  const absolute = pattern.startsWith('/');
  const isMatch = picomatch(pattern, PICOMATCH_OPTIONS);
  // A glob without a slash matches the name at any depth, as in .gitignore, so `*.log`
  // means every log in the tree (picomatch's own basename option also bends globs with slashes).
  const matches = pattern.includes('/') ? isMatch : (subject: string) => isMatch(subject.slice(subject.lastIndexOf('/') + 1));
  return { absolute, matches, couldContainMatch: containmentTest(pattern) };
}

/**
 * Whether a folder could hold a match of `pattern`: its path must match the pattern's
 * leading segments and leave at least one segment for what is inside, unless a `**` is
 * reached first. Patterns this cannot split by segment say yes: entering one folder too
 * many costs a little, skipping one loses events.
 */
function containmentTest(pattern: string): (folder: string) => boolean {
  const trimmed = pattern.replace(/^\/+/, '');
  if (!trimmed.includes('/') || /[{}()]/.test(trimmed)) return () => true;
  const segments = trimmed.split('/').map((segment) =>
    segment.includes('**') ? 'globstar' as const : picomatch(segment, { dot: true }));
  return (folder) => {
    const parts = folder.replace(/^\/+/, '').split('/');
    for (const [index, part] of parts.entries()) {
      const segment = segments[index];
      if (segment === 'globstar') return true;
      if (segment === undefined || index === segments.length - 1 || !segment(part)) return false;
    }
    return true;
  };
}

function toSlashes(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}
