/**
 * The rules on files of a watch, pure: FileChanged (each reported event of a kind in `on`),
 * and the rules on a file's condition after a batch's facts (FileMissing, FileStale,
 * FileTooLarge, FileGrowthPredicted). Each is (path entry, what was observed, watch, now) →
 * (entry, alert events).
 */
import { formatDuration, type WatchConfig } from '../../../libs/config/index.js';
import type { FileDescription, WatchObservation } from '../../../libs/queues/index.js';
import { forecastTrend, type TrendRule, type TrendSample } from '../rules/trend.js';
import { stepAlert, type PathContext, type PathStep, type PathVerdict } from './path-step.js';
import type { WatchRuleName } from './watch-alerts.js';
import type { PathState } from './watch-state.js';

export type EventObservation = Extract<WatchObservation, { kind: 'event' }>;
export type StatObservation = Extract<WatchObservation, { kind: 'stat' }>;

const VERBS: Record<EventObservation['event'], string> = {
  add: 'the file was added',
  change: 'the file was changed',
  unlink: 'the file was removed',
  addDir: 'the folder was added',
  unlinkDir: 'the folder was removed',
};

const DESCRIBED_FIELDS = [
  { name: 'sha256', read: (file: FileDescription) => file.sha256 },
  { name: 'size', read: (file: FileDescription) => String(file.sizeBytes), unit: ' bytes' },
  { name: 'mode', read: (file: FileDescription) => file.mode },
  { name: 'owner', read: (file: FileDescription) => file.owner },
] as const;

/** What a change did, for people: with integrity, each of sha256, size, mode and owner that differs, old and new. */
export function describeChange(observation: EventObservation, integrity: boolean): { description: string; details: Record<string, string> } {
  const details: Record<string, string> = { event: observation.event };
  const { before, after } = observation;
  if (!integrity || (before === undefined && after === undefined)) return { description: VERBS[observation.event], details };
  const parts: string[] = [];
  for (const field of DESCRIBED_FIELDS) {
    const old = before === undefined ? undefined : field.read(before);
    const now = after === undefined ? undefined : field.read(after);
    if (old === now || (old === undefined && now === undefined)) continue;
    const unit = 'unit' in field ? field.unit : '';
    if (old !== undefined) details[`old_${field.name}`] = old;
    if (now !== undefined) details[`new_${field.name}`] = now;
    parts.push(old === undefined ? `${field.name} ${now}${unit}` : now === undefined ? `${field.name} was ${old}${unit}` : `${field.name} ${old} → ${now}${unit}`);
  }
  return { description: parts.length === 0 ? VERBS[observation.event] : `${VERBS[observation.event]}: ${parts.join('; ')}`, details };
}

/** What a change made of the file: the same key again is the same change delivered again. */
export function changeKeyOf(observation: EventObservation): string {
  const { after } = observation;
  if (after?.sha256 !== undefined) return `${observation.event}:${after.sha256}`;
  if (after !== undefined) return `${observation.event}:${after.mtimeMs}:${after.sizeBytes}`;
  return `${observation.event}:${observation.atMs}`;
}

/**
 * FileChanged for one event. A repeat of the change the alert last reported is nothing new
 * (observations are delivered at least once); another change while it fires refreshes what the
 * store shows and restarts the resolveAfter clock, without a second notification.
 */
export function fileChanged(entry: PathState, context: PathContext, observation: EventObservation): PathStep {
  if (!context.watch.on.includes(observation.event)) return { entry, raised: [] };
  const changeKey = changeKeyOf(observation);
  if (entry.alerts?.['file-change']?.changeKey === changeKey) return { entry, raised: [] };
  const { description, details } = describeChange(observation, context.watch.integrity);
  const sha = observation.after?.sha256;
  return stepAlert(entry, context, 'file-change', {
    firing: true, atMs: observation.atMs, description, details, changeKey,
    value: sha === undefined ? observation.event : `${observation.event}, sha256 ${sha.slice(0, 12)}`,
  });
}

/** A path's condition as a batch's events and stats leave it. `exists` absent: nothing said either way. */
export interface FileFacts {
  atMs: number;
  exists?: boolean;
  mtimeMs?: number;
  sizeBytes?: number;
  /** Sizes seen, in order (predictWithin). */
  sizes: TrendSample[];
}

/** Folds a path's event and stat observations, in order, into its latest facts. */
export function factsOf(observations: ReadonlyArray<EventObservation | StatObservation>): FileFacts | undefined {
  let facts: FileFacts | undefined;
  for (const observation of observations) {
    const { atMs } = observation;
    const seen = factOf(observation);
    if (!seen.exists) {
      facts = { atMs, exists: false, sizes: [] };
      continue;
    }
    // A file removed and created again starts over.
    const previous = facts?.exists ? facts : undefined;
    const mtimeMs = seen.mtimeMs ?? previous?.mtimeMs;
    const sizeBytes = seen.sizeBytes ?? previous?.sizeBytes;
    facts = {
      atMs, exists: true,
      sizes: [...(previous?.sizes ?? []), ...(seen.sizeBytes === undefined ? [] : [{ atMs, value: seen.sizeBytes }])],
      ...(mtimeMs === undefined ? {} : { mtimeMs }),
      ...(sizeBytes === undefined ? {} : { sizeBytes }),
    };
  }
  return facts;
}

/** One observation's word on the file: an event without a description dates a change by when it was seen. */
function factOf(observation: EventObservation | StatObservation): { exists: boolean; mtimeMs?: number; sizeBytes?: number } {
  if (observation.kind === 'stat') {
    return { exists: observation.exists, ...(observation.mtimeMs === undefined ? {} : { mtimeMs: observation.mtimeMs }), ...(observation.sizeBytes === undefined ? {} : { sizeBytes: observation.sizeBytes }) };
  }
  if (observation.event === 'unlink' || observation.event === 'unlinkDir') return { exists: false };
  const { after } = observation;
  return { exists: true, mtimeMs: after?.mtimeMs ?? observation.atMs, ...(after === undefined ? {} : { sizeBytes: after.sizeBytes }) };
}

/** A removed file: what a rule kept of it goes, and its alert resolves. */
function removed(entry: PathState, field: 'mtimeMs' | 'sizes', context: PathContext, rule: WatchRuleName, atMs: number): PathStep {
  const { [field]: _gone, ...rest } = entry;
  return stepAlert(rest, context, rule, { firing: false, atMs, description: 'the file was removed' });
}

/** FileMissing (mustExist): a path seen gone fires, seen there resolves. */
export function fileMissing(entry: PathState, context: PathContext, facts: FileFacts): PathStep {
  if (!context.watch.mustExist || facts.exists === undefined) return { entry, raised: [] };
  return stepAlert(entry, context, 'file-missing', facts.exists
    ? { firing: false, atMs: facts.atMs, description: 'the file is there again' }
    : { firing: true, atMs: facts.atMs, description: 'the file must exist and does not', value: 'missing', refresh: false });
}

/**
 * FileStale (maxAge), from the batch's facts or, without them, from the kept mtime (the sweep):
 * stale once more than maxAge has passed since its last modification; a change resolves it. A
 * removed file is not stale (mustExist says whether it may go), and its entry is forgotten.
 */
export function fileStale(entry: PathState, context: PathContext, facts: FileFacts | undefined, nowMs: number): PathStep {
  const { maxAgeMs } = context.watch;
  if (maxAgeMs === undefined) return { entry, raised: [] };
  if (facts?.exists === false) return removed(entry, 'mtimeMs', context, 'file-stale', facts.atMs);
  const mtimeMs = facts?.mtimeMs ?? entry.mtimeMs;
  if (mtimeMs === undefined) return { entry, raised: [] };
  const updated: PathState = { ...entry, mtimeMs };
  const ageMs = nowMs - mtimeMs;
  const changed = new Date(mtimeMs).toISOString();
  if (ageMs <= maxAgeMs) return stepAlert(updated, context, 'file-stale', { firing: false, atMs: Math.max(mtimeMs, facts?.atMs ?? 0), description: `changed again at ${changed}` });
  return stepAlert(updated, context, 'file-stale', {
    firing: true, atMs: mtimeMs + maxAgeMs, refresh: false,
    description: `last changed at ${changed}, more than ${formatDuration(maxAgeMs)} ago (maxAge)`, value: `last changed ${changed}`,
  });
}

/** FileTooLarge (maxSize): larger than it fires, back at or below it (or removed) resolves. */
export function fileTooLarge(entry: PathState, context: PathContext, facts: FileFacts): PathStep {
  const { maxSizeBytes } = context.watch;
  if (maxSizeBytes === undefined) return { entry, raised: [] };
  if (facts.exists === false) return stepAlert(entry, context, 'file-size', { firing: false, atMs: facts.atMs, description: 'the file was removed' });
  if (facts.sizeBytes === undefined) return { entry, raised: [] };
  const size = `${facts.sizeBytes} bytes`;
  return stepAlert(entry, context, 'file-size', facts.sizeBytes > maxSizeBytes
    ? { firing: true, atMs: facts.atMs, description: `${size}, more than maxSize (${maxSizeBytes} bytes)`, value: size }
    : { firing: false, atMs: facts.atMs, description: `${size}, within maxSize (${maxSizeBytes} bytes)` });
}

/** Sizes kept per path for the growth trend. */
export const MAX_SIZE_SAMPLES = 30;

/** The trend rule's terms for a watch: looking back as far as it looks ahead, a few samples over a little of that. */
export function growthRuleOf(watch: Pick<WatchConfig, 'maxSizeBytes' | 'predictWithinMs'>): TrendRule | undefined {
  if (watch.maxSizeBytes === undefined || watch.predictWithinMs === undefined) return undefined;
  return { limit: watch.maxSizeBytes, direction: 'above', horizonMs: watch.predictWithinMs, windowMs: watch.predictWithinMs, minSamples: 3, minSpanMs: watch.predictWithinMs / 60 };
}

/**
 * Adds sizes to the kept ones, bounded: samples at least window / MAX_SIZE_SAMPLES apart, except
 * the newest, which moves forward while it is too close to the one before.
 */
export function keptSizes(flat: readonly number[], added: readonly TrendSample[], windowMs: number): TrendSample[] {
  const spacingMs = windowMs / MAX_SIZE_SAMPLES;
  const kept: TrendSample[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) kept.push({ atMs: flat[i]!, value: flat[i + 1]! });
  for (const sample of added) {
    const [before, last] = [kept.at(-2), kept.at(-1)];
    if (last !== undefined && sample.atMs <= last.atMs) continue;
    if (before !== undefined && last!.atMs - before.atMs < spacingMs) kept[kept.length - 1] = sample;
    else kept.push(sample);
  }
  const newestMs = kept.at(-1)?.atMs ?? 0;
  return kept.filter((sample) => newestMs - sample.atMs < windowMs).slice(-MAX_SIZE_SAMPLES);
}

/**
 * FileGrowthPredicted (maxSize with predictWithin): the evaluator's trend rule (rules/trend.ts)
 * on the file's recent sizes. Already past the limit, it is left as it is: FileTooLarge speaks.
 */
export function fileGrowth(entry: PathState, context: PathContext, facts: FileFacts): PathStep {
  const rule = growthRuleOf(context.watch);
  if (rule === undefined) return { entry, raised: [] };
  if (facts.exists === false) return removed(entry, 'sizes', context, 'file-trend', facts.atMs);
  if (facts.sizes.length === 0) return { entry, raised: [] };
  const samples = keptSizes(entry.sizes ?? [], facts.sizes, rule.windowMs);
  const updated: PathState = { ...entry, sizes: samples.flatMap((sample) => [sample.atMs, sample.value]) };
  const forecast = forecastTrend(samples, rule, facts.atMs);
  if (forecast.status === 'insufficient-data' || forecast.status === 'past') return { entry: updated, raised: [] };
  const verdict: PathVerdict = forecast.status === 'crosses'
    ? {
      firing: true, atMs: facts.atMs, value: `reaches ${rule.limit} bytes at ${new Date(forecast.crossesAt).toISOString()}`,
      description: `at this rate the file reaches maxSize (${rule.limit} bytes) at ${new Date(forecast.crossesAt).toISOString()}, within ${formatDuration(rule.horizonMs)} (fitted over ${forecast.samples} sizes)`,
    }
    : { firing: false, atMs: facts.atMs, description: `not heading for maxSize (${rule.limit} bytes) within ${formatDuration(rule.horizonMs)}` };
  return stepAlert(updated, context, 'file-trend', verdict);
}
