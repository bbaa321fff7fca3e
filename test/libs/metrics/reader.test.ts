import { describe, expect, it } from 'vitest';
import { InfluxV1Reader, InfluxV1Writer, InfluxV2Reader, metricsReaderFromEnv, toLine } from '../../../libs/metrics/index.js';
import { influxQlAnyOf, influxQlString } from '../../../libs/metrics/influx-v1-reader.js';
import { fluxString } from '../../../libs/metrics/influx-v2-reader.js';
import { influxUrl, uniqueName } from '../../support/infra.js';

describe('query quoting', () => {
  it.each([
    ['plain', 'web', `'web'`],
    ['a quote', `a'b`, `'a\\'b'`],
    ['a backslash', 'a\\b', `'a\\\\b'`],
  ])('InfluxQL string with %s', (_, value, expected) => {
    expect(influxQlString(value)).toBe(expected);
  });

  it('escapes every regex metacharacter and the slash in an InfluxQL id list', () => {
    expect(influxQlAnyOf(['a.b', 'c-d', 'x/y|z'])).toBe('/^(?:a\\.b|c-d|x\\/y\\|z)$/');
  });

  it.each([
    ['plain', 'web', '"web"'],
    ['a quote', 'a"b', '"a\\"b"'],
    ['a backslash', 'a\\b', '"a\\\\b"'],
    ['an interpolation', 'a${x}', '"a\\${x}"'],
  ])('Flux string with %s', (_, value, expected) => {
    expect(fluxString(value)).toBe(expected);
  });
});

describe('InfluxV1Reader', () => {
  const point = (check: string, atMs: number) => toLine({ measurement: 'probe', tags: { check, region: 'eu' }, fields: { success: true, state: 'up', total_ms: 5 }, timestampMs: atMs });

  it('reads only the checks asked for, whatever their ids contain', async () => {
    const options = { url: influxUrl(), database: uniqueName('reader') };
    const writer = new InfluxV1Writer(options);
    await writer.prepare();
    await writer.write([point('a.b', 1_000), point('axb', 1_000), point('c', 1_000)]);
    const reader = new InfluxV1Reader(options);
    const range = { fromMs: 0, toMs: 2_000, bucketMs: 2_000 };
    expect([...(await reader.resultCounts({ ...range, checkIds: ['a.b', 'c'] })).keys()].sort()).toEqual(['a.b', 'c']);
    expect((await reader.resultCounts({ ...range, checkIds: [`c' OR "check" != '`] })).size).toBe(0);
    expect((await reader.resultCounts(range)).size).toBe(3);
  });
});

describe('metricsReaderFromEnv', () => {
  it('is undefined without INFLUX_URL', () => {
    expect(metricsReaderFromEnv({})).toBeUndefined();
  });

  it('reads InfluxQL for INFLUX_VERSION=1', () => {
    expect(metricsReaderFromEnv({ INFLUX_URL: 'http://influx:8086', INFLUX_DATABASE: 'vigil' })).toBeInstanceOf(InfluxV1Reader);
  });

  it('reads Flux for INFLUX_VERSION=2', () => {
    const reader = metricsReaderFromEnv({ INFLUX_URL: 'http://influx:8086', INFLUX_VERSION: '2', INFLUX_TOKEN: 't', INFLUX_ORG: 'o', INFLUX_BUCKET: 'b' });
    expect(reader).toBeInstanceOf(InfluxV2Reader);
    expect(reader?.target).toMatch(/bucket b/);
  });
});
