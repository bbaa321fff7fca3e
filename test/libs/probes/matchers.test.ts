import { describe, expect, it } from 'vitest';
import type { ValueMatcher } from '../../../libs/config/index.js';
import { matcherFailure } from '../../../libs/probes/matchers.js';

describe('matcherFailure', () => {
  it.each<[ValueMatcher, unknown]>([
    [{ eq: 42 }, '42'],
    [{ eq: '42' }, 42],
    [{ eq: true }, 'true'],
    [{ eq: null }, null],
    [{ ne: 'DOWN' }, 'UP'],
    [{ gt: 1.5 }, '2'],
    [{ gte: -1, lte: 1 }, 0],
    [{ contains: 3 }, [1, 2, 3]],
    [{ contains: 'b' }, 'abc'],
    [{ matches: '^\\d{3}$' }, 200],
    [{ exists: true }, null],
    [{ exists: false }, undefined],
  ])('%j holds for %j', (matcher, actual) => {
    expect(matcherFailure(matcher, actual)).toBeUndefined();
  });

  it.each<[ValueMatcher, unknown, string]>([
    [{ eq: null }, 0, 'expected null, got 0'],
    [{ eq: 1 }, { a: 1 }, 'expected 1, got {"a":1}'],
    [{ ne: 'x' }, undefined, 'expected anything but "x", got nothing'],
    [{ gt: 1 }, true, 'expected a number > 1, got true'],
    [{ lt: 5 }, undefined, 'expected a number < 5, got nothing'],
    [{ contains: 'a' }, 5, 'expected to contain "a", got 5'],
    [{ matches: '.' }, { a: 1 }, 'expected to match /./, got {"a":1}'],
    [{ exists: true }, undefined, 'expected to exist, got nothing'],
    [{ exists: false }, 'x', 'expected to be absent, got "x"'],
  ])('%j fails for %j: %s', (matcher, actual, message) => {
    expect(matcherFailure(matcher, actual)).toBe(message);
  });

  it('cuts a long actual value short', () => {
    expect(matcherFailure({ eq: 'a' }, 'b'.repeat(500))?.length).toBeLessThan(120);
  });
});
