import { z } from 'zod';

/**
 * The sliding window that turns log-line matches into a threshold verdict (`threshold: { count,
 * within }`), pure. In libs because both sides use it: the watcher's tailer finds the matches,
 * the evaluator keeps the window per followed file and raises LogPatternMatched from it.
 */

export interface LineMatch {
  atMs: number;
  line: string;
}

export interface MatchThreshold {
  count: number;
  withinMs: number;
}

/**
 * What a content watch remembers between batches, small enough to store as JSON.
 * `hits` are [atMs, matches at that time], oldest first: a batch of lines shares one time,
 * and only the newest `count` matches are kept, as older ones can no longer change the answer.
 */
export interface MatchWindow {
  hits: Array<[atMs: number, matches: number]>;
  samples: LineMatch[];
}

export interface SlideResult {
  state: MatchWindow;
  /** At least `count` matches within the last `withinMs`. */
  firing: boolean;
  /** Matches the window holds (at most `count`: older ones are not kept). */
  held: number;
  /** The newest matching lines in the window, oldest first, for the alert's annotations. */
  samples: string[];
}

/**
 * Matches counted at one time, with a few of their lines: how a file agent reports what it read
 * (`lines` observations carry `matched` and a handful of `samples`, not every line).
 */
export interface CountedMatches {
  atMs: number;
  matched: number;
  samples: readonly string[];
}

export const MAX_SAMPLES = 5;
export const SAMPLE_CHARS = 200;

/** For state read back from Redis. */
export const matchWindowSchema = z.object({
  hits: z.array(z.tuple([z.number(), z.number().int().positive()])),
  samples: z.array(z.object({ atMs: z.number(), line: z.string() })).max(MAX_SAMPLES),
});

export function emptyMatchWindow(): MatchWindow {
  return { hits: [], samples: [] };
}

/** Adds new matches to the window, drops those older than `withinMs`, and says whether the threshold is met. */
export function slideMatches(state: MatchWindow, matches: readonly LineMatch[], threshold: MatchThreshold, nowMs: number): SlideResult {
  return slideCounted(state, matches.map(({ atMs, line }) => ({ atMs, matched: 1, samples: [line] })), threshold, nowMs);
}

/** slideMatches for matches reported as counts with sample lines. */
export function slideCounted(state: MatchWindow, batches: readonly CountedMatches[], threshold: MatchThreshold, nowMs: number): SlideResult {
  const since = nowMs - threshold.withinMs;
  const fresh = batches.filter((batch) => batch.atMs >= since && batch.matched > 0);
  const hits = newestHits(mergeHits(state.hits, fresh, since), threshold.count);
  const lines = fresh.flatMap(({ atMs, samples }) => samples.map((line) => ({ atMs, line })));
  const samples = newestSamples(state.samples, lines, since);
  const held = hits.reduce((sum, [, matched]) => sum + matched, 0);
  return { state: { hits, samples }, firing: held >= threshold.count, held, samples: samples.map((sample) => sample.line) };
}

function mergeHits(kept: MatchWindow['hits'], fresh: readonly CountedMatches[], since: number): MatchWindow['hits'] {
  const byTime = new Map<number, number>();
  for (const [atMs, matched] of kept) if (atMs >= since) byTime.set(atMs, (byTime.get(atMs) ?? 0) + matched);
  for (const { atMs, matched } of fresh) byTime.set(atMs, (byTime.get(atMs) ?? 0) + matched);
  return [...byTime].sort(([a], [b]) => a - b);
}

function newestHits(hits: MatchWindow['hits'], count: number): MatchWindow['hits'] {
  const newest: MatchWindow['hits'] = [];
  let left = count;
  for (let i = hits.length - 1; i >= 0 && left > 0; i -= 1) {
    const [atMs, matched] = hits[i]!;
    newest.unshift([atMs, Math.min(matched, left)]);
    left -= matched;
  }
  return newest;
}

function newestSamples(kept: readonly LineMatch[], fresh: readonly LineMatch[], since: number): LineMatch[] {
  const recent = fresh.slice(-MAX_SAMPLES).map(({ atMs, line }) => ({ atMs, line: shortened(line) }));
  // A stable sort: matches at the same time stay in the order their lines came.
  const window = [...kept.filter((sample) => sample.atMs >= since), ...recent].sort((a, b) => a.atMs - b.atMs);
  return window.slice(-MAX_SAMPLES);
}

/** At most SAMPLE_CHARS, never splitting a surrogate pair, marked when cut. */
function shortened(line: string): string {
  if (line.length <= SAMPLE_CHARS) return line;
  let kept = '';
  for (const char of line) {
    if (kept.length + char.length > SAMPLE_CHARS - 1) break;
    kept += char;
  }
  return `${kept}…`;
}
