import { describe, expect, it } from 'vitest';
import { fingerprintOf } from '../../../libs/alerts/index.js';

describe('alert identity', () => {
  it('fingerprints a label set the same whatever the order of its labels', () => {
    expect(fingerprintOf({ a: '1', b: '2' })).toBe(fingerprintOf({ b: '2', a: '1' }));
  });

  it('keeps the fingerprint it had in earlier versions, so stored alerts keep their identity across upgrades', () => {
    expect(fingerprintOf({ alertname: 'CheckDown', check: 'shop-api', team: 'shop' })).toBe('c07263324485980a');
  });

  it.each([
    [{ a: 'b=c' }, { 'a=b': 'c' }],
    [{ a: '1\u0000b=2' }, { a: '1', b: '2' }],
    [{ a: '"x"' }, { a: 'x' }],
  ])('tells apart label sets that would read alike as text: %j and %j', (one, other) => {
    expect(fingerprintOf(one)).not.toBe(fingerprintOf(other));
  });
});
