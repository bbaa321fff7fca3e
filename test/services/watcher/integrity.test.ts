import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  baselineKey,
  compareFingerprints,
  fingerprintFile,
  fingerprintPaths,
  forgetPath,
  isFingerprintError,
  loadBaseline,
  reconcileBaseline,
  recordAndCompare,
  saveBaseline,
  saveFingerprint,
  type FileFingerprint,
  type FingerprintResult,
} from '../../../services/watcher/integrity.js';
import { isolatedRedisUrl } from '../../support/infra.js';
import { chmodStopsReading } from '../../support/permissions.js';

const WATCH = 'etc';
const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');


function known(result: FingerprintResult): FileFingerprint | undefined {
  if (isFingerprintError(result)) throw new Error(`unexpected fingerprint error: ${result.message}`);
  return result;
}

const fingerprint = (overrides: Partial<FileFingerprint> = {}): FileFingerprint => ({
  kind: 'file', sha256: sha('one'), size: 3, mode: '0644', uid: 1000, gid: 1000, mtimeMs: 1_700_000_000_000, ...overrides,
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-integrity-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writeFile(name: string, content: string, mode = 0o644): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  chmodSync(path, mode); // explicit, so the umask does not decide the mode under test
  return path;
}

describe('compareFingerprints', () => {
  it.each([
    { name: 'nothing on either side', before: undefined, after: undefined, expected: undefined },
    { name: 'only the mtime moved (same hash: not a change)', before: fingerprint(), after: fingerprint({ mtimeMs: 1_800_000_000_000 }), expected: undefined },
    { name: 'a folder whose entry table grew', before: fingerprint({ kind: 'dir', sha256: undefined, size: 4096 }), after: fingerprint({ kind: 'dir', sha256: undefined, size: 8192 }), expected: undefined },
    {
      name: 'new owner', before: fingerprint(), after: fingerprint({ uid: 0, gid: 4 }),
      expected: { type: 'modified', before: fingerprint(), after: fingerprint({ uid: 0, gid: 4 }), owner: { before: '1000:1000', after: '0:4' } },
    },
    {
      name: 'a file replaced by a folder', before: fingerprint(), after: fingerprint({ kind: 'dir', sha256: undefined, size: 4096 }),
      expected: {
        type: 'modified', before: fingerprint(), after: fingerprint({ kind: 'dir', sha256: undefined, size: 4096 }),
        kind: { before: 'file', after: 'dir' }, content: { before: { sha256: sha('one'), size: 3 }, after: { size: 4096 } },
      },
    },
  ])('$name', ({ before, after, expected }) => {
    expect(compareFingerprints(before, after)).toEqual(expected);
  });
});

describe('fingerprintFile', () => {
  it.each([
    {
      name: 'a file: its hash, size and mode',
      make: () => writeFile('a', 'hello', 0o640),
      expected: { kind: 'file', sha256: sha('hello'), size: 5, mode: '0640' },
    },
    {
      name: 'a folder: no hash',
      make: () => { const path = join(dir, 'sub'); mkdirSync(path); return path; },
      expected: { kind: 'dir', sha256: 'no hash' },
    },
    {
      name: 'a symlink to a file: the link, not the file it points at',
      make: () => { writeFile('target', 'one'); const path = join(dir, 'link'); symlinkSync('target', path); return path; },
      expected: { kind: 'symlink', linkTarget: 'target', sha256: sha('target') },
    },
    {
      name: 'a symlink to nothing',
      make: () => { const path = join(dir, 'dangling'); symlinkSync('nowhere', path); return path; },
      expected: { kind: 'symlink', linkTarget: 'nowhere' },
    },
    {
      name: 'a symlink loop',
      make: () => { const path = join(dir, 'loop'); symlinkSync('loop', path); return path; },
      expected: { kind: 'symlink', linkTarget: 'loop' },
    },
  ])('describes $name', async ({ make, expected }) => {
    const described = known(await fingerprintFile(make()));
    // Spelled out, because toMatchObject cannot tell a missing sha256 from one that is undefined.
    expect({ ...described, sha256: described?.sha256 ?? 'no hash' }).toMatchObject(expected);
  });

  it('gives undefined for a path that is gone', async () => {
    expect(await fingerprintFile(join(dir, 'never-there'))).toBeUndefined();
  });

  it('hashes a 20 MB file like hashing it whole in memory', async () => {
    const bytes = randomBytes(20 * 1024 * 1024);
    const path = join(dir, 'big');
    writeFileSync(path, bytes);
    expect(await fingerprintFile(path)).toMatchObject({ kind: 'file', sha256: sha(bytes), size: bytes.length });
  });

  it.skipIf(!chmodStopsReading)('gives a typed EACCES result for an unreadable file (skipped where mode 000 does not stop this user, as for root)', async () => {
    const path = writeFile('secret', 'x', 0o000);
    expect(await fingerprintFile(path)).toEqual({ error: 'EACCES', message: expect.stringContaining(path) });
  });
});

describe('fingerprintPaths', () => {
  it('hashes at most 8 paths at once', async () => {
    let inFlight = 0;
    let mostInFlight = 0;
    const countingFingerprint = async () => {
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
      await new Promise(setImmediate); // let the other workers start theirs, if they may
      inFlight -= 1;
      return fingerprint();
    };
    const paths = Array.from({ length: 50 }, (_, i) => `/tree/${i}`);
    const results = await fingerprintPaths(paths, { fingerprint: countingFingerprint });
    expect({ mostInFlight, fingerprinted: results.size }).toEqual({ mostInFlight: 8, fingerprinted: 50 });
  });

  it('leaves out paths that are gone', async () => {
    const present = writeFile('a', 'one');
    const results = await fingerprintPaths([present, join(dir, 'gone')]);
    expect([...results.keys()]).toEqual([present]);
  });
});

describe('the baseline in Redis', () => {
  let redis: Redis;
  let otherWatcher: Redis;

  beforeAll(async () => {
    const url = await isolatedRedisUrl();
    redis = new Redis(url);
    otherWatcher = new Redis(url);
  });
  afterAll(async () => {
    await Promise.all([redis.quit(), otherWatcher.quit()]);
  });
  beforeEach(async () => {
    await redis.flushdb();
  });

  const recordNow = async (path: string) => recordAndCompare(redis, WATCH, path, known(await fingerprintFile(path)));

  describe('recordAndCompare', () => {
    it.each([
      {
        name: 'new content: old and new hash and size',
        initial: 'one',
        act: (path: string) => writeFileSync(path, 'three'),
        expected: { type: 'modified', before: expect.anything(), after: expect.anything(), content: { before: { sha256: sha('one'), size: 3 }, after: { sha256: sha('three'), size: 5 } } },
      },
      {
        name: 'chmod: old and new mode',
        initial: 'one',
        act: (path: string) => chmodSync(path, 0o600),
        expected: { type: 'modified', before: expect.anything(), after: expect.anything(), mode: { before: '0644', after: '0600' } },
      },
      {
        name: 'deleted',
        initial: 'one',
        act: (path: string) => unlinkSync(path),
        expected: { type: 'disappeared', before: expect.objectContaining({ sha256: sha('one') }) },
      },
      {
        name: 'created',
        initial: undefined,
        act: (path: string) => writeFileSync(path, 'one'),
        expected: { type: 'appeared', after: expect.objectContaining({ sha256: sha('one'), size: 3 }) },
      },
    ])('reports a file $name', async ({ initial, act, expected }) => {
      const path = join(dir, 'watched');
      if (initial !== undefined) writeFile('watched', initial);
      await recordNow(path);
      act(path);
      // toEqual with only these keys: an aspect that did not change must not be reported.
      expect(await recordNow(path)).toEqual(expected);
    });

    it('reports nothing for the same content rewritten with a new mtime', async () => {
      const path = writeFile('watched', 'one');
      await recordNow(path);
      writeFileSync(path, 'one');
      utimesSync(path, new Date('2031-01-01'), new Date('2031-01-01')); // the mtime surely moved
      expect(await recordNow(path)).toBeUndefined();
    });

    it('does not follow a symlink: rewriting what it points at changes nothing for the link', async () => {
      const target = writeFile('target', 'one');
      const link = join(dir, 'link');
      symlinkSync(target, link);
      await recordNow(link);
      writeFileSync(target, 'something else entirely');
      expect(await recordNow(link)).toBeUndefined();
    });

    it('reports one change once when two watchers record it at the same time', async () => {
      const path = writeFile('watched', 'one');
      await recordNow(path);
      writeFileSync(path, 'two');
      const now = known(await fingerprintFile(path));
      const reports = await Promise.all([recordAndCompare(redis, WATCH, path, now), recordAndCompare(otherWatcher, WATCH, path, now)]);
      expect(reports.filter((report) => report !== undefined)).toHaveLength(1);
    });

    it('reports a retried event once', async () => {
      const path = writeFile('watched', 'one');
      await recordNow(path);
      writeFileSync(path, 'two');
      await recordNow(path);
      expect(await recordNow(path)).toBeUndefined();
    });
  });

  describe('store', () => {
    it('keeps each path as JSON in vigil:watch:baseline:<watchId>', async () => {
      await saveFingerprint(redis, WATCH, '/etc/passwd', fingerprint());
      expect(JSON.parse((await redis.hget('vigil:watch:baseline:etc', '/etc/passwd')) ?? 'null')).toEqual(fingerprint());
    });

    it('loads what was saved, and forgets what it is told to', async () => {
      await saveBaseline(redis, WATCH, [['/a', fingerprint()], ['/b', fingerprint({ mode: '0600' })]]);
      await forgetPath(redis, WATCH, '/a');
      expect(await loadBaseline(redis, WATCH)).toEqual(new Map([['/b', fingerprint({ mode: '0600' })]]));
    });
  });

  describe('reconcileBaseline (a watcher restarted after downtime)', () => {
    async function baselineOf(...names: string[]): Promise<string[]> {
      const paths = names.map((name) => writeFile(name, `${name} before`));
      await reconcileBaseline(redis, WATCH, await fingerprintPaths(paths));
      return paths;
    }

    it('reports every change made while it was down: changed, appeared, disappeared', async () => {
      const [changed, deleted] = await baselineOf('changed', 'deleted');
      writeFileSync(changed!, 'changed after');
      unlinkSync(deleted!);
      const created = writeFile('created', 'new');
      const changes = await reconcileBaseline(redis, WATCH, await fingerprintPaths([changed!, created]));
      expect(changes.map(({ path, type }) => ({ path, type })).sort((a, b) => a.path.localeCompare(b.path))).toEqual([
        { path: changed, type: 'modified' },
        { path: created, type: 'appeared' },
        { path: deleted, type: 'disappeared' },
      ]);
    });

    it('reports a change made while down once, and nothing on the next start', async () => {
      const [changed] = await baselineOf('changed');
      writeFileSync(changed!, 'changed after');
      const first = await reconcileBaseline(redis, WATCH, await fingerprintPaths([changed!]));
      const second = await reconcileBaseline(redis, WATCH, await fingerprintPaths([changed!]));
      expect({ first: first.length, second }).toEqual({ first: 1, second: [] });
    });

    it('reports each change once when two watchers reconcile at the same time', async () => {
      const [changed] = await baselineOf('changed', 'same');
      writeFileSync(changed!, 'changed after');
      const now = await fingerprintPaths([changed!, join(dir, 'same')]);
      const [mine, theirs] = await Promise.all([reconcileBaseline(redis, WATCH, now), reconcileBaseline(otherWatcher, WATCH, now)]);
      expect([...mine!, ...theirs!].map(({ path }) => path)).toEqual([changed]);
    });

    it('keeps the baseline of a path it cannot read now instead of calling it gone', async () => {
      const [unreadable] = await baselineOf('unreadable');
      const now = new Map([[unreadable!, { error: 'EACCES' as const, message: 'permission denied' }]]);
      expect({ changes: await reconcileBaseline(redis, WATCH, now), kept: (await loadBaseline(redis, WATCH)).has(unreadable!) }).toEqual({ changes: [], kept: true });
    });

    it('covers a baseline of several batches in full', async () => {
      const tree = new Map(Array.from({ length: 2_500 }, (_, i): [string, FileFingerprint] => [`/tree/${i}`, fingerprint()]));
      await saveBaseline(redis, WATCH, tree);
      const now = new Map([...tree].filter(([path]) => !path.endsWith('7')));
      now.set('/tree/1', fingerprint({ mode: '0600' }));
      const changes = await reconcileBaseline(redis, WATCH, now);
      expect({
        disappeared: changes.filter((c) => c.type === 'disappeared').length,
        modified: changes.filter((c) => c.type === 'modified').map((c) => c.path),
        stored: await redis.hlen(baselineKey(WATCH)),
      }).toEqual({ disappeared: 250, modified: ['/tree/1'], stored: 2_250 });
    });
  });
});
