import type { Scalar, ValueMatcher } from '../config/index.js';
import { patternFound } from './patterns.js';
import { shortValue } from './types.js';

/**
 * Checks one value (a JSON path's, a response header's) against its conditions; returns
 * what was expected and what was found, or undefined when every condition holds.
 * `actual` undefined means the value is absent.
 */
export function matcherFailure(matcher: ValueMatcher, actual: unknown): string | undefined {
  const got = `got ${shortValue(actual)}`;
  if (matcher.exists === false) return actual === undefined ? undefined : `expected to be absent, ${got}`;
  if (matcher.exists === true && actual === undefined) return 'expected to exist, got nothing';
  if (matcher.eq !== undefined && !looseEqual(actual, matcher.eq)) return `expected ${shortValue(matcher.eq)}, ${got}`;
  if (matcher.ne !== undefined && (actual === undefined || looseEqual(actual, matcher.ne))) return `expected anything but ${shortValue(matcher.ne)}, ${got}`;
  const comparisons = [
    ['gt', '>', (a: number, b: number) => a > b],
    ['gte', '>=', (a: number, b: number) => a >= b],
    ['lt', '<', (a: number, b: number) => a < b],
    ['lte', '<=', (a: number, b: number) => a <= b],
  ] as const;
  for (const [key, symbol, holds] of comparisons) {
    const bound = matcher[key];
    if (bound === undefined) continue;
    const number = asNumber(actual);
    if (number === undefined || !holds(number, bound)) return `expected a number ${symbol} ${bound}, ${got}`;
  }
  if (matcher.contains !== undefined && !contains(actual, matcher.contains)) return `expected to contain ${shortValue(matcher.contains)}, ${got}`;
  if (matcher.matches !== undefined) {
    const text = typeof actual === 'string' || typeof actual === 'number' || typeof actual === 'boolean' ? String(actual) : undefined;
    if (text === undefined || !patternFound(matcher.matches, text)) return `expected to match /${matcher.matches}/, ${got}`;
  }
  return undefined;
}

/** Scalars compare by their text, so "42" from a header equals 42 from the configuration. */
function looseEqual(actual: unknown, expected: Scalar): boolean {
  if (actual === expected) return true;
  if (actual === null || actual === undefined || typeof actual === 'object' || expected === null) return false;
  return String(actual) === String(expected);
}

function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?([eE][-+]?\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

function contains(actual: unknown, needle: Scalar): boolean {
  if (typeof actual === 'string') return needle !== null && actual.includes(String(needle));
  if (Array.isArray(actual)) return actual.some((element) => looseEqual(element, needle));
  return false;
}
