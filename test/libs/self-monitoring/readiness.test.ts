import { describe, expect, it } from 'vitest';
import { parseEnv } from '../../../libs/env.js';
import { HEALTH_ENV, readinessAnswer, type ServicePhase } from '../../../libs/self-monitoring/listener.js';
import { checkReadiness, influxPing, type ReadinessChecks } from '../../../libs/self-monitoring/readiness.js';
import { freePort } from '../../../scripts/local-stack/ports.js';
import { influxUrl } from '../../support/infra.js';

const answers = async () => undefined;
const refuses = async () => {
  throw new Error('connection refused');
};
const hangs = () => new Promise<void>(() => {});

describe('checkReadiness', () => {
  it.each<[string, ReadinessChecks, Record<string, string>]>([
    ['no checks', {}, {}],
    ['every dependency answers', { redis: answers, influxdb: answers }, {}],
    ['one refuses', { redis: answers, influxdb: refuses }, { influxdb: 'connection refused' }],
    ['one hangs past the timeout', { redis: hangs, influxdb: answers }, { redis: 'no answer within 50ms' }],
  ])('%s', async (_, checks, unreachable) => {
    expect(await checkReadiness(checks, 50)).toEqual({ ready: Object.keys(unreachable).length === 0, unreachable });
  });
});

describe('readinessAnswer', () => {
  it.each<[ServicePhase, ReadinessChecks, number, string]>([
    ['starting', { redis: answers }, 503, 'starting'],
    ['running', { redis: answers }, 200, 'ready'],
    ['running', { redis: refuses }, 503, 'unavailable'],
    ['stopping', { redis: answers }, 503, 'stopping'],
  ])('%s with its dependencies %j is %i %s', async (phase, checks, status, said) => {
    const answer = await readinessAnswer({ phase: () => phase, readiness: () => checks }, 50);
    expect(answer.status).toBe(status);
    expect(answer.body.status).toBe(said);
  });
});

describe('HEALTH_ENV', () => {
  it.each([
    [{}, undefined],
    [{ VIGIL_HEALTH_PORT: '' }, undefined],
    [{ VIGIL_HEALTH_PORT: '0' }, 0],
    [{ VIGIL_HEALTH_PORT: '9464' }, 9464],
  ])('%j → port %s', (env, port) => {
    expect(parseEnv(HEALTH_ENV, env).VIGIL_HEALTH_PORT).toBe(port);
  });

  it.each(['-1', '65536', 'abc', '80.5'])('rejects VIGIL_HEALTH_PORT=%s, naming it', (value) => {
    expect(() => parseEnv(HEALTH_ENV, { VIGIL_HEALTH_PORT: value })).toThrow(/^VIGIL_HEALTH_PORT: expected a whole number from 0 to 65535/);
  });
});

describe('influxPing', () => {
  it('resolves against a real InfluxDB', async () => {
    await expect(influxPing(influxUrl())()).resolves.toBeUndefined();
  });

  it('rejects when nothing listens at the URL', async () => {
    await expect(influxPing(`http://127.0.0.1:${await freePort()}`, 1_000)()).rejects.toThrow();
  });
});
