/**
 * Each service's environment is one schema validated at start: a bad value stops the service
 * with the variable's name and what was expected, never a NaN or a silent default.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EnvError, httpUrl, oneOf, parseEnv, REDIS_ENV, region, wholeNumber } from '../../libs/env.js';
import { InfluxV1Writer } from '../../libs/metrics/index.js';
import { METRICS_ENV, metricsWriterFromEnv } from '../../libs/metrics/from-env.js';
import { eventually, isolatedRedisUrl } from '../support/infra.js';
import { spawnService } from '../support/services.js';

const SAMPLE = z.object({
  ...REDIS_ENV,
  COUNT: wholeNumber(1).default(500),
  SLOT: wholeNumber(1, 1_000).optional(),
  MODE: oneOf(['1', '2']).default('1'),
  HOME_URL: httpUrl().optional(),
  REGION: region().default('default'),
});

/** The message of the EnvError that parsing `env` throws; fails the test when it parses. */
function problemOf(schema: z.ZodType, env: NodeJS.ProcessEnv): string {
  try {
    parseEnv(schema, env);
  } catch (err) {
    if (err instanceof EnvError) return err.message;
    throw err;
  }
  throw new Error('expected the environment to be rejected, but it was accepted');
}

describe('parseEnv', () => {
  it('gives each unset or empty variable its default, and ignores variables it does not declare', () => {
    expect(parseEnv(SAMPLE, { COUNT: '', PATH: '/bin', HOME: '/root' })).toEqual({
      REDIS_URL: 'redis://127.0.0.1:6379', COUNT: 500, MODE: '1', REGION: 'default',
    });
  });

  it('turns the values into what they mean', () => {
    expect(parseEnv(SAMPLE, { REDIS_URL: 'rediss://cache:6380/2', COUNT: '25', SLOT: '1000', MODE: '2', HOME_URL: 'https://vigil.example/', REGION: 'eu-west' })).toEqual({
      REDIS_URL: 'rediss://cache:6380/2', COUNT: 25, SLOT: 1_000, MODE: '2', HOME_URL: 'https://vigil.example/', REGION: 'eu-west',
    });
    expect(parseEnv(SAMPLE, { REDIS_URL: '/run/redis/redis.sock' }).REDIS_URL).toBe('/run/redis/redis.sock');
  });

  it.each([
    [{ COUNT: 'abc' }, 'COUNT: expected a whole number >= 1, got "abc"'],
    [{ COUNT: '0' }, 'COUNT: expected a whole number >= 1, got "0"'],
    [{ COUNT: '2.5' }, 'COUNT: expected a whole number >= 1, got "2.5"'],
    [{ COUNT: '-3' }, 'COUNT: expected a whole number >= 1, got "-3"'],
    [{ COUNT: '10 probes' }, 'COUNT: expected a whole number >= 1, got "10 probes"'],
    [{ SLOT: '1001' }, 'SLOT: expected a whole number from 1 to 1000, got "1001"'],
    [{ MODE: 'two' }, 'MODE: expected one of "1", "2", got "two"'],
    [{ HOME_URL: 'vigil.example' }, 'HOME_URL: expected an http:// or https:// URL, got "vigil.example"'],
    [{ HOME_URL: 'ftp://vigil.example/' }, 'HOME_URL: expected an http:// or https:// URL, got "ftp://vigil.example/"'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL: expected a redis:// or rediss:// URL, or the path of a Unix socket, got "localhost:6379"'],
    [{ REDIS_URL: 'http://cache:6379' }, 'REDIS_URL: expected a redis:// or rediss:// URL, or the path of a Unix socket, got "http://cache:6379"'],
    [{ REGION: 'EU West' }, 'REGION: expected an id of lowercase letters, digits, "_", "." or "-" (starting with a letter or digit), got "EU West"'],
  ])('rejects %j with %j', (env, message) => {
    expect(problemOf(SAMPLE, env)).toBe(message);
  });

  it('names every bad variable in one message, and lists them as problems', () => {
    let error: EnvError | undefined;
    try {
      parseEnv(SAMPLE, { COUNT: 'many', MODE: '3' });
    } catch (err) {
      error = err as EnvError;
    }
    expect(error).toBeInstanceOf(EnvError);
    expect(error?.code).toBe('VIGIL_ENV_INVALID');
    expect(error?.problems).toEqual([
      { variable: 'COUNT', message: 'expected a whole number >= 1, got "many"' },
      { variable: 'MODE', message: 'expected one of "1", "2", got "3"' },
    ]);
    expect(error?.message).toBe('COUNT: expected a whole number >= 1, got "many"; MODE: expected one of "1", "2", got "3"');
  });

  it('says that a required variable is not set', () => {
    expect(problemOf(z.object({ TOKEN: z.string() }), {})).toBe('TOKEN: is not set');
  });
});

describe('the metrics environment', () => {
  const metricsOf = (env: NodeJS.ProcessEnv) => parseEnv(METRICS_ENV, env).metrics;

  it('is off without INFLUX_URL, whatever else is set', () => {
    expect(metricsOf({ INFLUX_VERSION: '2' })).toEqual({ api: 'none' });
    expect(metricsWriterFromEnv({})).toBeUndefined();
  });

  it('defaults to the 1.x API and database vigil, without the trailing slash of the URL', () => {
    expect(metricsOf({ INFLUX_URL: 'http://influx:8086/' })).toEqual({ api: 'influx-v1', url: 'http://influx:8086', database: 'vigil' });
    expect(metricsWriterFromEnv({ INFLUX_URL: 'http://influx:8086' })).toBeInstanceOf(InfluxV1Writer);
  });

  it('takes the 1.x retention policy and credentials', () => {
    expect(metricsOf({ INFLUX_URL: 'http://influx:8086', INFLUX_DATABASE: 'probes', INFLUX_RETENTION_POLICY: 'week', INFLUX_USERNAME: 'vigil' })).toEqual({
      api: 'influx-v1', url: 'http://influx:8086', database: 'probes', retentionPolicy: 'week', username: 'vigil', password: '',
    });
  });

  it.each(['2', '3'])('takes the 2.x settings with INFLUX_VERSION=%s', (version) => {
    const env = { INFLUX_URL: 'https://influx.example', INFLUX_VERSION: version, INFLUX_TOKEN: 't', INFLUX_ORG: 'o', INFLUX_BUCKET: 'b' };
    expect(metricsOf(env)).toEqual({ api: 'influx-v2', url: 'https://influx.example', token: 't', org: 'o', bucket: 'b' });
  });

  it('names each 2.x setting that is missing', () => {
    expect(problemOf(METRICS_ENV, { INFLUX_URL: 'http://influx:8086', INFLUX_VERSION: '2', INFLUX_ORG: 'o' }))
      .toBe('INFLUX_TOKEN: is not set, and INFLUX_VERSION=2 needs it; INFLUX_BUCKET: is not set, and INFLUX_VERSION=2 needs it');
  });

  it.each([
    [{ INFLUX_VERSION: '4' }, 'INFLUX_VERSION: expected one of "1", "2", "3", got "4"'],
    [{ INFLUX_URL: 'influx:8086' }, 'INFLUX_URL: expected an http:// or https:// URL, got "influx:8086"'],
  ])('rejects %j', (env, message) => {
    expect(problemOf(METRICS_ENV, env)).toBe(message);
    expect(() => metricsWriterFromEnv(env)).toThrow(message);
  });
});

/** The message of the error a service logged as it failed to start. */
function startFailure(output: string[]): string | undefined {
  for (const line of output) {
    try {
      const entry = JSON.parse(line) as { msg?: string; err?: { message?: string } };
      if (entry.msg === 'failed to start') return entry.err?.message;
    } catch {
      // not a log line
    }
  }
  return undefined;
}

describe('a service with a bad variable', () => {
  // Nothing listens there: a service that got past its environment would hang on Redis, not exit.
  const base = { REDIS_URL: 'redis://127.0.0.1:9/0', VIGIL_CONFIG: '/nonexistent/vigil.yaml', INFLUX_URL: '' };

  it.concurrent.each([
    ['probe-worker', { PROBE_CONCURRENCY: 'abc' }, 'PROBE_CONCURRENCY: expected a whole number >= 1, got "abc"'],
    ['probe-worker', { PROBE_HOST_CONCURRENCY: '0' }, 'PROBE_HOST_CONCURRENCY: expected a whole number >= 1, got "0"'],
    ['probe-worker', { REGION: 'EU' }, 'REGION: expected an id of lowercase letters, digits, "_", "." or "-" (starting with a letter or digit), got "EU"'],
    ['scheduler', { VIGIL_SLOT_MS: 'fast' }, 'VIGIL_SLOT_MS: expected a whole number >= 1, got "fast"'],
    ['evaluator', { INFLUX_URL: 'http://127.0.0.1:9', INFLUX_VERSION: '2', INFLUX_TOKEN: 't', INFLUX_ORG: 'o' }, 'INFLUX_BUCKET: is not set, and INFLUX_VERSION=2 needs it'],
    ['notifier', { VIGIL_EXTERNAL_URL: 'vigil.example' }, 'VIGIL_EXTERNAL_URL: expected an http:// or https:// URL, got "vigil.example"'],
    ['watcher', { REDIS_URL: 'localhost:6379' }, 'REDIS_URL: expected a redis:// or rediss:// URL, or the path of a Unix socket, got "localhost:6379"'],
  ])('%s with %j fails to start, naming it', async (name, env, message) => {
    const service = spawnService(name, { ...base, ...env });
    const code = await eventually(`${name} to exit`, () => service.child.exitCode ?? undefined, 20_000);
    expect(code).toBe(1);
    expect(startFailure(service.output), service.output.join('\n')).toBe(message);
  }, 30_000);
});

describe('the probe-worker environment', () => {
  it('caps probes per host at a quarter of PROBE_CONCURRENCY unless PROBE_HOST_CONCURRENCY is set', async () => {
    const redisUrl = await isolatedRedisUrl();
    const taking = async (env: NodeJS.ProcessEnv) => {
      const worker = spawnService('probe-worker', { REDIS_URL: redisUrl, REGION: 'env-test', ...env });
      try {
        return await eventually('the worker to start', () => worker.output.map((line) => {
          try {
            return JSON.parse(line) as { msg?: string; concurrency?: number; hostConcurrency?: number };
          } catch {
            return {};
          }
        }).find((entry) => entry.msg === 'taking probes'), 20_000);
      } finally {
        await worker.stop();
      }
    };
    const [quarter, small, given] = await Promise.all([
      taking({ PROBE_CONCURRENCY: '10' }),
      taking({ PROBE_CONCURRENCY: '1' }),
      taking({ PROBE_CONCURRENCY: '10', PROBE_HOST_CONCURRENCY: '10' }),
    ]);
    expect(quarter).toMatchObject({ concurrency: 10, hostConcurrency: 3 });
    expect(small).toMatchObject({ concurrency: 1, hostConcurrency: 1 });
    expect(given).toMatchObject({ concurrency: 10, hostConcurrency: 10 });
  }, 40_000);
});
