import { describe, expect, it } from 'vitest';
import { pattern } from '../../../libs/config/fields.js';
import {
  emptyMatchWindow,
  matchWindowSchema,
  MAX_SAMPLES,
  SAMPLE_CHARS,
  slideMatches,
  type LineMatch,
  type MatchWindow,
} from '../../../libs/watch/match-window.js';
import { matchLines } from '../../../services/watcher/line-matches.js';

const at = (...times: number[]): LineMatch[] => times.map((atMs) => ({ atMs, line: `error at ${atMs}` }));

describe('matching lines', () => {
  it.each([
    { pattern: 'ERROR', lines: ['INFO ok', 'ERROR disk full', 'error lower'], matched: ['ERROR disk full'] },
    { pattern: '(?i)error', lines: ['INFO ok', 'ERROR disk full', 'error lower'], matched: ['ERROR disk full', 'error lower'] },
    { pattern: '^\\d{3} ', lines: ['500 oops', 'x 500 oops'], matched: ['500 oops'] },
    { pattern: 'timeout|refused', lines: ['connect refused', 'read timeout', 'fine'], matched: ['connect refused', 'read timeout'] },
  ])('/$pattern/ picks the lines it matches', ({ pattern: source, lines, matched }) => {
    expect(matchLines(lines, source)).toEqual(matched);
  });

  it('matches a pattern that backtracking engines hang on in linear time', () => {
    expect(matchLines([`${'a'.repeat(50_000)}b`], '(a+)+$')).toEqual([]);
  });

  it.each(['(?i)fatal', '\\bpanic\\b', '[[:alpha:]]+ failed', 'a{2,5}', '(?P<code>\\d+)'])(
    'a pattern the configuration accepts (%s) never fails at match time',
    (source) => {
      expect(pattern.safeParse(source).success).toBe(true);
      expect(() => matchLines(['some line'], source)).not.toThrow();
    },
  );

  it.each(['(?=ahead)', '(a)\\1', '(unclosed'])('a pattern RE2 cannot run (%s) is refused by the configuration, before any match', (source) => {
    expect(pattern.safeParse(source).success).toBe(false);
  });
});

describe('threshold over a sliding window', () => {
  it.each([
    { when: 'one match, threshold 1', count: 1, withinMs: 60_000, times: [1_000], nowMs: 1_000, firing: true },
    { when: 'no match', count: 1, withinMs: 60_000, times: [], nowMs: 1_000, firing: false },
    { when: 'fewer matches than the count', count: 3, withinMs: 60_000, times: [1_000, 2_000], nowMs: 2_000, firing: false },
    { when: 'exactly the count within the window', count: 3, withinMs: 60_000, times: [1_000, 2_000, 3_000], nowMs: 3_000, firing: true },
    { when: 'the count reached only counting a match older than the window', count: 3, withinMs: 10_000, times: [0, 15_000, 16_000], nowMs: 16_000, firing: false },
    { when: 'the oldest match exactly at the window edge', count: 2, withinMs: 10_000, times: [0, 10_000], nowMs: 10_000, firing: true },
    { when: 'many matches in one batch at the same time', count: 5, withinMs: 1_000, times: [7, 7, 7, 7, 7], nowMs: 7, firing: true },
  ])('$when: firing is $firing', ({ count, withinMs, times, nowMs, firing }) => {
    expect(slideMatches(emptyMatchWindow(), at(...times), { count, withinMs }, nowMs).firing).toBe(firing);
  });

  it.each([
    { when: 'both batches within the window', first: [0, 1_000], second: [5_000], nowMs: 5_000, firing: true },
    { when: 'the first batch aged out', first: [0, 1_000], second: [20_000], nowMs: 20_000, firing: false },
  ])('counts matches across batches: $when', ({ first, second, nowMs, firing }) => {
    const threshold = { count: 3, withinMs: 10_000 };
    const { state } = slideMatches(emptyMatchWindow(), at(...first), threshold, first.at(-1)!);
    expect(slideMatches(state, at(...second), threshold, nowMs).firing).toBe(firing);
  });

  it('stops firing once the window holds fewer matches than the count', () => {
    const threshold = { count: 2, withinMs: 10_000 };
    const fired = slideMatches(emptyMatchWindow(), at(0, 1_000), threshold, 1_000);
    expect(fired.firing).toBe(true);
    expect(slideMatches(fired.state, [], threshold, 10_500).firing).toBe(false);
  });

  it('keeps no more timestamps than the count needs, however many lines matched', () => {
    const times = Array.from({ length: 10_000 }, (_, i) => i);
    const { state, firing } = slideMatches(emptyMatchWindow(), at(...times), { count: 3, withinMs: 60_000 }, 10_000);
    expect(firing).toBe(true);
    expect(state.hits).toEqual([[9_997, 1], [9_998, 1], [9_999, 1]]);
  });

  it('keeps a batch of same-time matches as one entry', () => {
    const { state } = slideMatches(emptyMatchWindow(), at(...Array<number>(1_000).fill(42)), { count: 100, withinMs: 60_000 }, 42);
    expect(state.hits).toEqual([[42, 100]]);
  });

  it('gives the newest few matching lines as samples, each cut short', () => {
    const matches = Array.from({ length: 8 }, (_, i) => ({ atMs: i, line: `${i} ${'z'.repeat(1_000)}` }));
    const { samples } = slideMatches(emptyMatchWindow(), matches, { count: 1, withinMs: 60_000 }, 10);
    expect(samples).toHaveLength(MAX_SAMPLES);
    expect(samples.map((line) => line.split(' ')[0])).toEqual(['3', '4', '5', '6', '7']);
    expect(samples.every((line) => line.length <= SAMPLE_CHARS && line.endsWith('…'))).toBe(true);
  });

  it('drops samples that left the window', () => {
    const threshold = { count: 1, withinMs: 10_000 };
    const { state } = slideMatches(emptyMatchWindow(), [{ atMs: 0, line: 'old' }], threshold, 0);
    expect(slideMatches(state, [{ atMs: 20_000, line: 'new' }], threshold, 20_000).samples).toEqual(['new']);
  });

  it('keeps state that survives a round trip through JSON', () => {
    const { state } = slideMatches(emptyMatchWindow(), at(1, 2, 2, 3), { count: 3, withinMs: 60_000 }, 3);
    const restored: MatchWindow = matchWindowSchema.parse(JSON.parse(JSON.stringify(state)));
    expect(slideMatches(restored, [], { count: 3, withinMs: 60_000 }, 4).firing).toBe(true);
  });
});
