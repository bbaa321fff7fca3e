import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../../libs/config/index.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['14d', 14 * 86_400_000],
    ['1.5s', 1_500],
    ['0s', 0],
    [' 10s ', 10_000],
  ])('reads %j as %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    ['thirty', 'a word'],
    ['10', 'a number without a unit'],
    ['-1s', 'a negative duration'],
    ['1w', 'an unknown unit'],
    ['', 'an empty string'],
    ['1h30m', 'a compound duration'],
    ['.5s', 'a fraction without a leading digit'],
  ])('rejects %j (%s)', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it.each([
    [500, '500ms'],
    [1_500, '1500ms'],
    [30_000, '30s'],
    [90_000, '90s'],
    [300_000, '5m'],
    [3_600_000, '1h'],
    [93_600_000, '26h'],
    [14 * 86_400_000, '14d'],
    [0, '0ms'],
  ])('writes %i ms as %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each(['500ms', '30s', '5m', '1h', '14d'])('round-trips %j', (text) => {
    expect(formatDuration(parseDuration(text)!)).toBe(text);
  });
});
