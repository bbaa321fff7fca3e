import { describe, expect, it } from 'vitest';
import { backoffDelayMs, BACKOFF_MAX_MS, retryDelayMs } from '../../../libs/queues/index.js';

describe('retry delays', () => {
  it.each([
    { attempts: 1, random: 0, expected: 500 },
    { attempts: 1, random: 1, expected: 1_000 },
    { attempts: 4, random: 0.5, expected: 6_000 },
    { attempts: 30, random: 1, expected: BACKOFF_MAX_MS },
    { attempts: 30, random: 0, expected: BACKOFF_MAX_MS / 2 },
  ])('after $attempts attempts with random $random: $expected ms', ({ attempts, random, expected }) => {
    expect(backoffDelayMs(attempts, 1_000, BACKOFF_MAX_MS, () => random)).toBe(expected);
  });

  it('waits what the receiver asked for (Retry-After) instead of the backoff', () => {
    expect(retryDelayMs(1, Object.assign(new Error('429'), { retryAfterMs: 7_000 }))).toBe(7_000);
  });

  it('falls back to the backoff for an error that asks nothing', () => {
    const delay = retryDelayMs(3, new Error('500'), 1_000);
    expect(delay).toBeGreaterThanOrEqual(2_000);
    expect(delay).toBeLessThanOrEqual(4_000);
  });
});
