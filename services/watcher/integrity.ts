import { createHash } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { lstat, open, readlink } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { REDIS_KEYS } from '../../libs/redis-keys.js';

/**
 * Integrity baselines: what each file under a watch looked like when last seen (hash, size,
 * mode, owner), kept in Redis so a watcher restarted after downtime, or a second watcher, can
 * tell what changed since, and report each change exactly once.
 *
 * Redis: one hash per watch, `vigil:watch:baseline:<watchId>`, field = path, value = JSON FileFingerprint.
 */
export const baselineKey = REDIS_KEYS.watchBaseline;

/** Paths per Redis round trip: large enough that a 100,000-file tree takes ~100, small enough that no one script blocks Redis for long. */
export const BASELINE_BATCH = 1_000;
/** Files hashed at once: enough to keep a disk busy, few enough not to exhaust file descriptors or memory. */
export const HASH_CONCURRENCY = 8;
const HASH_CHUNK_BYTES = 256 * 1024;

const fileKind = z.enum(['file', 'dir', 'symlink', 'other']);
/** `other` is a FIFO, socket or device: described, never opened (opening a FIFO blocks). */
export type FileKind = z.output<typeof fileKind>;

const fileFingerprint = z.object({
  kind: fileKind,
  /** Hex sha256 of a file's bytes, or of a symlink's target path; directories and `other` have none. */
  sha256: z.string().optional(),
  /** Bytes hashed for a file (so size and hash always describe the same bytes); lstat's size otherwise. */
  size: z.number().int().nonnegative(),
  /** Permission bits as four octal digits, such as "0644" (setuid, setgid and sticky included). */
  mode: z.string().regex(/^[0-7]{4}$/),
  uid: z.number().int(),
  gid: z.number().int(),
  mtimeMs: z.number(),
  /** What a symlink points at; the link is described, never followed. */
  linkTarget: z.string().optional(),
});
export type FileFingerprint = z.output<typeof fileFingerprint>;

export type FingerprintErrorCode = 'EACCES' | 'EPERM' | 'ELOOP';
/** A path that exists but cannot be read now: reported, never thrown, so one such file does not stop a watch. */
export interface FingerprintError {
  error: FingerprintErrorCode;
  message: string;
}
/** undefined: nothing is at the path. */
export type FingerprintResult = FileFingerprint | FingerprintError | undefined;

export const isFingerprintError = (result: FingerprintResult): result is FingerprintError =>
  result !== undefined && 'error' in result;

export interface Delta<T> {
  before: T;
  after: T;
}
export interface ContentState {
  sha256?: string;
  size: number;
}
export interface ModifiedAspects {
  content?: Delta<ContentState>;
  mode?: Delta<string>;
  /** "uid:gid". */
  owner?: Delta<string>;
  kind?: Delta<FileKind>;
}
export type IntegrityChange =
  | { type: 'appeared'; after: FileFingerprint }
  | { type: 'disappeared'; before: FileFingerprint }
  | ({ type: 'modified'; before: FileFingerprint; after: FileFingerprint } & ModifiedAspects);
export type PathChange = IntegrityChange & { path: string };

// ---------------------------------------------------------------------------------------------
// Fingerprints of what is on disk

export async function fingerprintFile(path: string): Promise<FingerprintResult> {
  try {
    return await describePath(path);
  } catch (err) {
    return classifyFailure(err, path);
  }
}

function classifyFailure(err: unknown, path: string): FingerprintError | undefined {
  const { code, message } = err as NodeJS.ErrnoException;
  // ENOTDIR: a folder on the way was replaced by a file, so this path is gone too.
  if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
  // ELOOP: a symlink loop on the way, or a file swapped for a symlink between lstat and open.
  if (code === 'EACCES' || code === 'EPERM' || code === 'ELOOP') return { error: code, message: `cannot fingerprint ${path}: ${message}` };
  throw err;
}

async function describePath(path: string): Promise<FileFingerprint> {
  const stats = await lstat(path);
  if (stats.isSymbolicLink()) return describeSymlink(path, stats);
  if (stats.isDirectory()) return describeStats('dir', stats);
  if (!stats.isFile()) return describeStats('other', stats);
  return hashRegularFile(path);
}

function describeStats(kind: FileKind, stats: Stats): FileFingerprint {
  return {
    kind,
    size: stats.size,
    mode: (stats.mode & 0o7777).toString(8).padStart(4, '0'),
    uid: stats.uid,
    gid: stats.gid,
    mtimeMs: stats.mtimeMs,
  };
}

async function describeSymlink(path: string, stats: Stats): Promise<FileFingerprint> {
  const linkTarget = await readlink(path);
  // A link's content is where it points: retargeting it is a content change.
  return { ...describeStats('symlink', stats), sha256: sha256Of(linkTarget), linkTarget };
}

const sha256Of = (text: string): string => createHash('sha256').update(text).digest('hex');

async function hashRegularFile(path: string): Promise<FileFingerprint> {
  // O_NOFOLLOW and O_NONBLOCK: if the file was swapped for a symlink or a FIFO since lstat, fail or
  // return at once instead of following the link or blocking the watcher.
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return describeStats(stats.isDirectory() ? 'dir' : 'other', stats);
    const hash = createHash('sha256');
    const chunk = Buffer.allocUnsafe(HASH_CHUNK_BYTES);
    let size = 0;
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      hash.update(chunk.subarray(0, bytesRead));
      size += bytesRead;
    }
    return { ...describeStats('file', stats), sha256: hash.digest('hex'), size };
  } finally {
    await handle.close();
  }
}

export interface FingerprintPathsOptions {
  concurrency?: number;
  /** How one path is fingerprinted; fingerprintFile unless a test needs to see the scheduling. */
  fingerprint?: (path: string) => Promise<FingerprintResult>;
}

/**
 * Fingerprints many paths, at most `concurrency` at a time. Paths that are gone are left out;
 * unreadable ones map to their FingerprintError (reconcileBaseline keeps their baseline).
 */
export async function fingerprintPaths(paths: Iterable<string>, options: FingerprintPathsOptions = {}): Promise<Map<string, FileFingerprint | FingerprintError>> {
  const { concurrency = HASH_CONCURRENCY, fingerprint = fingerprintFile } = options;
  const results = new Map<string, FileFingerprint | FingerprintError>();
  // One iterator shared by every worker: next() is synchronous, so no path is taken twice.
  const pending = paths[Symbol.iterator]();
  const work = async () => {
    for (let next = pending.next(); !next.done; next = pending.next()) {
      const result = await fingerprint(next.value);
      if (result !== undefined) results.set(next.value, result);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, work));
  return results;
}

// ---------------------------------------------------------------------------------------------
// Comparing

/**
 * What changed between two sightings of one path, or undefined when nothing did.
 * mtime is deliberately not compared: a file rewritten with the same bytes (or `touch`ed) has a
 * new mtime and is not a change, and an mtime set back by hand cannot hide a content change
 * because content is judged by its hash.
 */
export function compareFingerprints(before: FileFingerprint | undefined, after: FileFingerprint | undefined): IntegrityChange | undefined {
  if (before === undefined) return after === undefined ? undefined : { type: 'appeared', after };
  if (after === undefined) return { type: 'disappeared', before };
  const aspects = modifiedAspects(before, after);
  if (Object.keys(aspects).length === 0) return undefined;
  return { type: 'modified', before, after, ...aspects };
}

function modifiedAspects(before: FileFingerprint, after: FileFingerprint): ModifiedAspects {
  const aspects: ModifiedAspects = {};
  if (before.kind !== after.kind) aspects.kind = { before: before.kind, after: after.kind };
  if (contentDiffers(before, after)) aspects.content = { before: contentOf(before), after: contentOf(after) };
  if (before.mode !== after.mode) aspects.mode = { before: before.mode, after: after.mode };
  const ownerBefore = ownerOf(before);
  const ownerAfter = ownerOf(after);
  if (ownerBefore !== ownerAfter) aspects.owner = { before: ownerBefore, after: ownerAfter };
  return aspects;
}

function contentDiffers(before: FileFingerprint, after: FileFingerprint): boolean {
  // A folder's size is its entry table, which grows as entries come and go; what changed inside
  // it is reported for the entries themselves.
  if (before.kind === 'dir' && after.kind === 'dir') return false;
  return before.sha256 !== after.sha256 || before.size !== after.size;
}

const contentOf = ({ sha256, size }: FileFingerprint): ContentState => (sha256 === undefined ? { size } : { sha256, size });
const ownerOf = ({ uid, gid }: FileFingerprint): string => `${uid}:${gid}`;

// ---------------------------------------------------------------------------------------------
// The baseline in Redis

/**
 * Swaps stored fingerprints for current ones in one atomic step and returns what each replaced,
 * so of two watchers (or a retried event) recording the same change only one sees the old value.
 * KEYS: the baseline hash. ARGV: path, JSON fingerprint or '' to forget the path, repeated.
 * Returns the replaced JSON per path, '' where there was none (a nil would end a Lua array).
 * Writes nothing when the value is the same, so a reconciliation of an unchanged tree costs no AOF.
 */
const SWAP_SCRIPT = `
local replaced = {}
for i = 1, #ARGV, 2 do
  local old = redis.call('HGET', KEYS[1], ARGV[i]) or ''
  if ARGV[i + 1] == '' then
    if old ~= '' then redis.call('HDEL', KEYS[1], ARGV[i]) end
  elseif ARGV[i + 1] ~= old then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  end
  replaced[#replaced + 1] = old
end
return replaced
`;

type Sighting = readonly [path: string, current: FileFingerprint | undefined];

/** The change each sighting makes to the baseline, in the order given (undefined: none). */
async function swapFingerprints(redis: Redis, watchId: string, sightings: readonly Sighting[]): Promise<Array<IntegrityChange | undefined>> {
  if (sightings.length === 0) return [];
  const args = sightings.flatMap(([path, current]) => [path, current === undefined ? '' : JSON.stringify(current)]);
  const replaced = (await redis.eval(SWAP_SCRIPT, 1, baselineKey(watchId), ...args)) as string[];
  return sightings.map(([, current], i) => compareFingerprints(parseStored(replaced[i] ?? ''), current));
}

async function swapAndCollect(redis: Redis, watchId: string, sightings: readonly Sighting[], into: PathChange[]): Promise<void> {
  const changes = await swapFingerprints(redis, watchId, sightings);
  changes.forEach((change, i) => {
    if (change !== undefined) into.push({ ...change, path: sightings[i]![0] });
  });
}

/**
 * A stored value that no longer parses counts as no baseline: the path is then reported as
 * appeared, because for integrity a spurious report is better than a silent one.
 */
function parseStored(json: string): FileFingerprint | undefined {
  if (json === '') return undefined;
  try {
    const parsed = fileFingerprint.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Records what is at `path` now (undefined: nothing) and returns what changed since the baseline, to exactly one caller. */
export async function recordAndCompare(redis: Redis, watchId: string, path: string, current: FileFingerprint | undefined): Promise<IntegrityChange | undefined> {
  const [change] = await swapFingerprints(redis, watchId, [[path, current]]);
  return change;
}

/** The stored fingerprint of one path (undefined: none, or unreadable). */
export async function loadFingerprint(redis: Redis, watchId: string, path: string): Promise<FileFingerprint | undefined> {
  const json = await redis.hget(baselineKey(watchId), path);
  return json === null ? undefined : parseStored(json);
}

export async function saveFingerprint(redis: Redis, watchId: string, path: string, fingerprint: FileFingerprint): Promise<void> {
  await redis.hset(baselineKey(watchId), path, JSON.stringify(fingerprint));
}

/** Writes many fingerprints without comparing (a first baseline), BASELINE_BATCH fields per HSET, all pipelined. */
export async function saveBaseline(redis: Redis, watchId: string, fingerprints: Iterable<readonly [string, FileFingerprint]>): Promise<void> {
  for (const batch of inBatches(fingerprints, BASELINE_BATCH * 10)) {
    const pipeline = redis.pipeline();
    for (const slice of inBatches(batch, BASELINE_BATCH)) {
      pipeline.hset(baselineKey(watchId), Object.fromEntries(slice.map(([path, fp]) => [path, JSON.stringify(fp)])));
    }
    await execOrThrow(pipeline.exec());
  }
}

async function execOrThrow(replies: Promise<Array<[Error | null, unknown]> | null>): Promise<void> {
  for (const [err] of (await replies) ?? []) if (err) throw err;
}

export async function forgetPath(redis: Redis, watchId: string, path: string): Promise<void> {
  await redis.hdel(baselineKey(watchId), path);
}

/** The whole baseline, read with HSCAN so a large one never blocks Redis in a single reply. */
export async function loadBaseline(redis: Redis, watchId: string): Promise<Map<string, FileFingerprint>> {
  const baseline = new Map<string, FileFingerprint>();
  for await (const [path, json] of scanBaseline(redis, watchId)) {
    const fingerprint = parseStored(json);
    if (fingerprint !== undefined) baseline.set(path, fingerprint);
  }
  return baseline;
}

async function* scanBaseline(redis: Redis, watchId: string): AsyncGenerator<[path: string, json: string]> {
  let cursor = '0';
  do {
    const [next, flat] = await redis.hscan(baselineKey(watchId), cursor, 'COUNT', BASELINE_BATCH);
    for (let i = 0; i + 1 < flat.length; i += 2) yield [flat[i]!, flat[i + 1]!];
    cursor = next;
  } while (cursor !== '0');
}

/**
 * What a watcher does on start after downtime: brings the baseline up to what is on disk now
 * (`current`: every path of the watch, as fingerprintPaths returns them) and returns every
 * change made meanwhile, changed, appeared and disappeared, each once: a second call, or a
 * second watcher reconciling at the same time, finds the baseline already current.
 * A path whose fingerprint is an error is unknown rather than gone, so its baseline stays.
 */
export async function reconcileBaseline(redis: Redis, watchId: string, current: ReadonlyMap<string, FileFingerprint | FingerprintError>): Promise<PathChange[]> {
  const changes: PathChange[] = [];
  for (const batch of inBatches(readableSightings(current), BASELINE_BATCH)) await swapAndCollect(redis, watchId, batch, changes);
  const gone = await storedPathsMissingFrom(redis, watchId, current);
  for (const batch of inBatches(gone.map((path): Sighting => [path, undefined]), BASELINE_BATCH)) await swapAndCollect(redis, watchId, batch, changes);
  return changes;
}

function* readableSightings(current: ReadonlyMap<string, FileFingerprint | FingerprintError>): Generator<Sighting> {
  for (const [path, result] of current) if (!isFingerprintError(result)) yield [path, result];
}

async function storedPathsMissingFrom(redis: Redis, watchId: string, current: ReadonlyMap<string, unknown>): Promise<string[]> {
  // A set, because HSCAN may return a field more than once.
  const missing = new Set<string>();
  for await (const [path] of scanBaseline(redis, watchId)) if (!current.has(path)) missing.add(path);
  return [...missing];
}

function* inBatches<T>(items: Iterable<T>, size: number): Generator<T[]> {
  let batch: T[] = [];
  for (const item of items) {
    batch.push(item);
    if (batch.length < size) continue;
    yield batch;
    batch = [];
  }
  if (batch.length > 0) yield batch;
}
