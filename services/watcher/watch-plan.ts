import { resolve } from 'node:path';
import picomatch from 'picomatch';
import { WATCH_EVENTS, type WatchConfig, type WatchEvent } from '../../libs/config/watches.js';
import type { FileDescription } from '../../libs/queues/index.js';
import type { WatchSpec } from './file-agent.js';
import type { FileFingerprint, PathChange } from './integrity.js';

/**
 * What a watch's configuration asks of its runner, decided without touching the disk:
 * which events to listen to, which to report, what to send on start.
 */

/** Staleness and presence need to hear about every file event, whatever `on` says (payloads.ts). */
export function wantsStats(watch: WatchConfig): boolean {
  return watch.maxAgeMs !== undefined || watch.mustExist || watch.maxSizeBytes !== undefined;
}

/** The event kinds that become `event` observations. */
export function reportedKinds(watch: WatchConfig): ReadonlySet<WatchEvent> {
  return new Set(wantsStats(watch) ? WATCH_EVENTS : watch.on);
}

/**
 * What the runner listens to: baselines, tails and stats must follow every file that comes and
 * goes even when none of it is reported, or they would be stale at the next event.
 */
export function listenedKinds(watch: WatchConfig): WatchEvent[] {
  const needsAll = watch.integrity || watch.match !== undefined || wantsStats(watch);
  return needsAll ? [...WATCH_EVENTS] : [...watch.on];
}

export function watchSpecOf(watch: WatchConfig): WatchSpec {
  return {
    id: watch.id,
    paths: watch.paths,
    recursive: watch.recursive,
    ...(watch.depth === undefined ? {} : { depth: watch.depth }),
    include: watch.include,
    exclude: watch.exclude,
    on: listenedKinds(watch),
    ...(watch.settleMs === undefined ? {} : { settleMs: watch.settleMs }),
    polling: watch.polling,
    ...(watch.pollIntervalMs === undefined ? {} : { pollIntervalMs: watch.pollIntervalMs }),
  };
}

/** Configured paths that are not globs, absolute: the ones that can be said to be missing. */
export function literalPaths(watch: WatchConfig): string[] {
  return watch.paths.filter((path) => !picomatch.scan(path).isGlob).map((path) => resolve(path));
}

/** The folder a configured path or glob needs to exist before anything under it can. */
export function staticBaseOf(path: string): string {
  const scan = picomatch.scan(path);
  return resolve(scan.isGlob ? scan.base || '/' : path);
}

export function describeFile(fingerprint: FileFingerprint): FileDescription {
  const { kind, sha256, size, mode, uid, gid, mtimeMs } = fingerprint;
  return { kind, ...(sha256 === undefined ? {} : { sha256 }), sizeBytes: size, mode, owner: `${uid}:${gid}`, mtimeMs };
}

/** The event a change found at start-up stands for (it happened while nobody watched). */
export function eventOfChange(change: PathChange): WatchEvent {
  if (change.type === 'modified') return 'change';
  const isDir = (change.type === 'appeared' ? change.after : change.before).kind === 'dir';
  if (change.type === 'appeared') return isDir ? 'addDir' : 'add';
  return isDir ? 'unlinkDir' : 'unlink';
}

/** Events about a file's content (a folder has none to tail or stat). */
export const isFileEvent = (kind: WatchEvent): boolean => kind === 'add' || kind === 'change' || kind === 'unlink';

export interface WatchSetChange {
  start: WatchConfig[];
  stop: string[];
  restart: WatchConfig[];
}

/** A watch whose configuration differs in any field restarts; an identical one is left running. */
export function planWatchSet(running: ReadonlyMap<string, string>, wanted: readonly WatchConfig[]): WatchSetChange {
  const plan: WatchSetChange = { start: [], stop: [], restart: [] };
  const wantedIds = new Set(wanted.map((watch) => watch.id));
  for (const id of running.keys()) if (!wantedIds.has(id)) plan.stop.push(id);
  for (const watch of wanted) {
    const json = running.get(watch.id);
    if (json === undefined) plan.start.push(watch);
    else if (json !== configJson(watch)) plan.restart.push(watch);
  }
  return plan;
}

/**
 * What names one host's Redis state of a watch (offsets, baseline): a watch runs on every host
 * with an agent, and each host's /var/log/app.log is a file of its own.
 */
export function stateIdOf(watchId: string, host: string): string {
  return `${watchId}@${host}`;
}

export function configJson(watch: WatchConfig): string {
  return JSON.stringify(watch);
}

/** At most `maxChars`, not splitting a surrogate pair, marked when cut (as the evaluator's samples are). */
export function sampleOf(line: string, maxChars: number): string {
  if (line.length <= maxChars) return line;
  let end = maxChars - 1;
  const code = line.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${line.slice(0, end)}…`;
}
