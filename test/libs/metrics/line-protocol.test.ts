import { describe, expect, it } from 'vitest';
import { toLine } from '../../../libs/metrics/index.js';

describe('line protocol', () => {
  it('writes measurement, sorted tags, typed fields and a millisecond timestamp', () => {
    expect(toLine({
      measurement: 'probe',
      tags: { region: 'eu', check: 'shop-api' },
      fields: { success: true, total_ms: 12.5, status_code: { int: 200 }, state: 'up', skipped: undefined },
      timestampMs: 1_700_000_000_123,
    })).toBe('probe,check=shop-api,region=eu success=true,total_ms=12.5,status_code=200i,state="up" 1700000000123');
  });

  it('escapes spaces, commas and equals signs in tags and quotes in string fields', () => {
    expect(toLine({
      measurement: 'my probe',
      tags: { 'the check': 'a,b=c' },
      fields: { message: 'said "hi"\nthen left' },
      timestampMs: 1,
    })).toBe('my\\ probe,the\\ check=a\\,b\\=c message="said \\"hi\\"\\nthen left" 1');
  });

  it('leaves out empty tag values, which InfluxDB would reject', () => {
    expect(toLine({ measurement: 'm', tags: { a: '' }, fields: { v: 1 }, timestampMs: 5 })).toBe('m v=1 5');
  });
});
