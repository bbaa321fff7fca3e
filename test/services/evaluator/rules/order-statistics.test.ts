import { describe, expect, it } from 'vitest';
import { kthSmallest } from '../../../../services/evaluator/rules/order-statistics.js';

/** A fixed pseudo-random sequence, so a failure can be reproduced. */
function sequence(length: number, seed: number): number[] {
  let x = seed;
  return Array.from({ length }, () => {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    return x % 1_000;
  });
}

describe('k-th smallest', () => {
  it.each([
    ['distinct values', [5, 1, 4, 2, 3]],
    ['many repeats', [2, 2, 1, 2, 2, 1, 2]],
    ['all equal', [7, 7, 7, 7]],
    ['already sorted', [1, 2, 3, 4, 5, 6]],
    ['reversed', [6, 5, 4, 3, 2, 1]],
    ['one value', [42]],
    ['fractions and negatives', [0.5, -1.25, 3.75, 0.5, -1.25]],
  ])('matches the sorted order for every k: %s', (_name, values) => {
    const sorted = [...values].sort((a, b) => a - b);
    for (let k = 0; k < values.length; k++) expect(kthSmallest(Float64Array.from(values), k)).toBe(sorted[k]);
  });

  it.each([1, 2, 3])('matches the sorted order on 301 pseudo-random values with repeats (seed %s)', (seed) => {
    const values = sequence(301, seed);
    const sorted = [...values].sort((a, b) => a - b);
    for (const k of [0, 1, 150, 285, 299, 300]) expect(kthSmallest(Float64Array.from(values), k)).toBe(sorted[k]);
  });

  it('refuses a k outside the values', () => {
    expect(() => kthSmallest(Float64Array.from([1, 2]), 2)).toThrow(/outside 0\.\.1/);
    expect(() => kthSmallest(new Float64Array(0), 0)).toThrow(RangeError);
  });
});
