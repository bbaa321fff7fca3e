import { describe, expect, it } from 'vitest';
import { MAX_RETRY_AFTER_MS, parseRetryAfter } from '../../../libs/channels/index.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');

describe('Retry-After from a receiver', () => {
  it.each([
    { header: '120', expected: 120_000 },
    { header: ' 0 ', expected: 0 },
    { header: 'Sun, 01 Mar 2026 12:00:30 GMT', expected: 30_000 },
    { header: 'Sun, 01 Mar 2026 11:59:00 GMT', expected: 0 },
    { header: '999999', expected: MAX_RETRY_AFTER_MS },
    { header: ['5', '9'], expected: 5_000 },
    { header: 'soon', expected: undefined },
    { header: '-3', expected: undefined },
    { header: '', expected: undefined },
    { header: undefined, expected: undefined },
  ])('reads $header as $expected ms', ({ header, expected }) => {
    expect(parseRetryAfter(header, NOW)).toBe(expected);
  });
});
