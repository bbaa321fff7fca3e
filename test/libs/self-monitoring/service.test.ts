import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startRedis } from '../../../scripts/local-stack/servers.js';
import { eventually, isolatedRedisUrl } from '../../support/infra.js';
import { sampleValue } from '../../support/prometheus-text.js';
import { getJson, healthUrlOf, scrape } from '../../support/self-monitoring.js';
import { spawnService, started, type ServiceProcess } from '../../support/services.js';

/**
 * runService's self-monitoring listener, through a real service process (the probe worker:
 * it needs nothing but Redis). Each test has its own process and Redis database.
 */
describe('self-monitoring of a service process', () => {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function spawn(env: NodeJS.ProcessEnv): ServiceProcess {
    const service = spawnService('probe-worker', env);
    cleanups.push(() => service.stop());
    return service;
  }

  it('answers /healthz with 200 and /readyz with 200 while Redis answers', async () => {
    const service = spawn({ REDIS_URL: await isolatedRedisUrl(), VIGIL_HEALTH_PORT: '0' });
    const url = await healthUrlOf(service);
    expect((await getJson(`${url}/healthz`)).status).toBe(200);
    await started(service);
    const ready = await eventually('ready', async () => {
      const answer = await getJson(`${url}/readyz`);
      return answer.status === 200 ? answer : undefined;
    });
    expect(ready.body).toEqual({ status: 'ready', unreachable: {} });
  });

  it('answers /readyz with 503 naming redis once Redis is stopped, and /healthz still with 200', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-readyz-redis-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const redis = await startRedis({ dataDir });
    cleanups.push(() => redis.stop());
    const service = spawn({ REDIS_URL: redis.url, VIGIL_HEALTH_PORT: '0' });
    // Graceful shutdown waits for a Redis that is gone; this test is not about shutdown.
    cleanups.push(() => service.stop('SIGKILL'));
    const url = await healthUrlOf(service);
    await started(service);
    await eventually('ready', async () => (await getJson(`${url}/readyz`)).status === 200 || undefined);

    await redis.stop();
    const notReady = await eventually('not ready', async () => {
      const answer = await getJson(`${url}/readyz`);
      return answer.status === 503 ? answer : undefined;
    });
    expect(notReady.body.status).toBe('unavailable');
    expect(Object.keys(notReady.body.unreachable as object)).toEqual(['redis']);
    expect((await getJson(`${url}/healthz`)).status).toBe(200);
  });

  it('serves /metrics as Prometheus text, every series labelled with the service, event-loop lag included', async () => {
    const service = spawn({ REDIS_URL: await isolatedRedisUrl(), VIGIL_HEALTH_PORT: '0' });
    const url = await healthUrlOf(service);
    const samples = await scrape(url);
    expect(sampleValue(samples, 'nodejs_eventloop_lag_seconds', { service: 'probe-worker' })).toBeGreaterThanOrEqual(0);
    expect(samples.filter((sample) => sample.labels.service !== 'probe-worker')).toEqual([]);
  });

  it('answers an unknown path with 404 and a POST with 405', async () => {
    const service = spawn({ REDIS_URL: await isolatedRedisUrl(), VIGIL_HEALTH_PORT: '0' });
    const url = await healthUrlOf(service);
    expect((await fetch(`${url}/nope`)).status).toBe(404);
    expect((await fetch(`${url}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('opens no port when VIGIL_HEALTH_PORT is not set', async () => {
    const service = spawn({ REDIS_URL: await isolatedRedisUrl(), VIGIL_HEALTH_PORT: '' });
    await started(service);
    expect(service.output.filter((line) => line.includes('self-monitoring listening'))).toEqual([]);
  });

  it('refuses to start with a VIGIL_HEALTH_PORT that is not a port, naming the variable', async () => {
    const service = spawn({ REDIS_URL: await isolatedRedisUrl(), VIGIL_HEALTH_PORT: '70000' });
    const code = await new Promise<number | null>((resolve) => service.child.once('exit', resolve));
    expect(code).toBe(1);
    expect(service.output.join('\n')).toContain('VIGIL_HEALTH_PORT: expected a whole number from 0 to 65535');
  });
});
