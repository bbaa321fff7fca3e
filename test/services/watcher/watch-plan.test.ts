import { describe, expect, it } from 'vitest';
import { watch as watchSchema, type WatchConfig } from '../../../libs/config/watches.js';
import { parseEnv } from '../../../libs/env.js';
import { z } from 'zod';
import type { FileFingerprint, PathChange } from '../../../services/watcher/integrity.js';
import { WATCHER_ROLE_ENV } from '../../../services/watcher/roles.js';
import {
  configJson,
  describeFile,
  eventOfChange,
  listenedKinds,
  literalPaths,
  planWatchSet,
  reportedKinds,
  sampleOf,
  staticBaseOf,
} from '../../../services/watcher/watch-plan.js';

const watchOf = (fields: Record<string, unknown>): WatchConfig => watchSchema.parse({ id: 'w', paths: ['/etc'], ...fields });
const ALL = ['add', 'change', 'unlink', 'addDir', 'unlinkDir'];

describe('which events a watch listens to and reports', () => {
  it.each([
    { name: 'a plain watch: add, change, unlink by default', fields: {}, listened: ['add', 'change', 'unlink'], reported: ['add', 'change', 'unlink'] },
    { name: 'a plain watch with its own on', fields: { on: ['addDir'] }, listened: ['addDir'], reported: ['addDir'] },
    { name: 'integrity follows every file but reports only on', fields: { integrity: true, on: ['change'] }, listened: ALL, reported: ['change'] },
    { name: 'a content watch reports no events', fields: { match: 'ERROR' }, listened: ALL, reported: [] },
    { name: 'staleness needs every event (payloads.ts)', fields: { maxAge: '26h' }, listened: ALL, reported: ALL },
    { name: 'presence needs every event', fields: { mustExist: true }, listened: ALL, reported: ALL },
    { name: 'size needs every event', fields: { maxSize: '1GB' }, listened: ALL, reported: ALL },
  ])('$name', ({ fields, listened, reported }) => {
    const watch = watchOf(fields);
    expect(listenedKinds(watch).sort()).toEqual([...listened].sort());
    expect([...reportedKinds(watch)].sort()).toEqual([...reported].sort());
  });
});

describe('configured paths', () => {
  it('names the literal paths (not globs) as absolute paths', () => {
    expect(literalPaths(watchOf({ paths: ['/var/backups/db.tar', '/var/log/**/*.log', 'relative.txt'] })))
      .toEqual(['/var/backups/db.tar', `${process.cwd()}/relative.txt`]);
  });

  it.each([
    ['/var/log/app.log', '/var/log/app.log'],
    ['/var/log/**/*.log', '/var/log'],
    ['/srv/*/current', '/srv'],
  ])('the folder %s needs is %s', (path, base) => {
    expect(staticBaseOf(path)).toBe(base);
  });
});

describe('start-up changes as events', () => {
  const file: FileFingerprint = { kind: 'file', sha256: 'ab', size: 3, mode: '0640', uid: 0, gid: 4, mtimeMs: 5 };
  const dir: FileFingerprint = { ...file, kind: 'dir', sha256: undefined };
  it.each<[string, PathChange, string]>([
    ['a file appeared', { type: 'appeared', after: file, path: '/a' }, 'add'],
    ['a folder appeared', { type: 'appeared', after: dir, path: '/a' }, 'addDir'],
    ['a file went', { type: 'disappeared', before: file, path: '/a' }, 'unlink'],
    ['a folder went', { type: 'disappeared', before: dir, path: '/a' }, 'unlinkDir'],
    ['a file changed', { type: 'modified', before: file, after: { ...file, mode: '0600' }, mode: { before: '0640', after: '0600' }, path: '/a' }, 'change'],
  ])('%s', (_name, change, event) => {
    expect(eventOfChange(change)).toBe(event);
  });

  it('describes a file in the payload\'s terms: size in bytes, owner as uid:gid', () => {
    expect(describeFile(file)).toEqual({ kind: 'file', sha256: 'ab', sizeBytes: 3, mode: '0640', owner: '0:4', mtimeMs: 5 });
    expect(describeFile(dir)).not.toHaveProperty('sha256');
  });
});

describe('planWatchSet', () => {
  const a = watchOf({ id: 'a' });
  const b = watchOf({ id: 'b' });
  const running = new Map([['a', configJson(a)], ['b', configJson(b)]]);

  it.each([
    { name: 'the same watches: nothing to do', wanted: [a, b], expected: { start: [], stop: [], restart: [] } },
    { name: 'a watch added', wanted: [a, b, watchOf({ id: 'c' })], expected: { start: ['c'], stop: [], restart: [] } },
    { name: 'a watch removed', wanted: [a], expected: { start: [], stop: ['b'], restart: [] } },
    { name: 'a watch with any field changed', wanted: [a, watchOf({ id: 'b', exclude: ['*.tmp'] })], expected: { start: [], stop: [], restart: ['b'] } },
  ])('$name', ({ wanted, expected }) => {
    const plan = planWatchSet(running, wanted);
    expect({ start: plan.start.map((w) => w.id), stop: plan.stop, restart: plan.restart.map((w) => w.id) }).toEqual(expected);
  });
});

describe('sampleOf', () => {
  it.each([
    ['short', 10, 'short'],
    ['exactly ten', 11, 'exactly ten'],
    ['a longer line', 8, 'a longe…'],
    ['ab😀cd', 4, 'ab…'],
  ])('%j cut to %i is %j', (line, max, expected) => {
    expect(sampleOf(line, max)).toBe(expected);
    expect(sampleOf(line, max).length).toBeLessThanOrEqual(max);
  });
});

describe('watcher roles from the environment', () => {
  const schema = z.object(WATCHER_ROLE_ENV);
  it.each([
    [{}, ['agent', 'publisher']],
    [{ WATCHER_ROLES: 'agent' }, ['agent']],
    [{ WATCHER_ROLES: ' publisher , agent ' }, ['agent', 'publisher']],
  ])('%j runs %j', (env, roles) => {
    expect([...parseEnv(schema, env).WATCHER_ROLES].sort()).toEqual(roles);
  });

  it('refuses an unknown role, naming the variable', () => {
    expect(() => parseEnv(schema, { WATCHER_ROLES: 'agent,evaluator' })).toThrow(/WATCHER_ROLES: expected a comma-separated list of "publisher", "agent", got "agent,evaluator"/);
  });

  it('labels observations with the host name unless WATCHER_HOST says otherwise', () => {
    expect(parseEnv(schema, {}).WATCHER_HOST.length).toBeGreaterThan(0);
    expect(parseEnv(schema, { WATCHER_HOST: 'db-1' }).WATCHER_HOST).toBe('db-1');
  });
});
