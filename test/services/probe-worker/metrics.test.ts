import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { publishChecks, specHashOf } from '../../../libs/check-registry.js';
import type { HttpCheckConfig } from '../../../libs/config/index.js';
import { createQueue } from '../../../libs/queues/index.js';
import { probeOutcomeOf } from '../../../services/probe-worker/metrics.js';
import { startSwitchableTarget } from '../../support/http-servers.js';
import { eventually, isolatedRedisUrl } from '../../support/infra.js';
import { sampleValue } from '../../support/prometheus-text.js';
import { healthUrlOf, scrape } from '../../support/self-monitoring.js';
import { spawnService, started } from '../../support/services.js';

describe('probe outcome label', () => {
  it.each([
    [{ ok: true }, 'ok'],
    [{ ok: true, errorClass: 'timeout' as const }, 'ok'],
    [{ ok: false, errorClass: 'timeout' as const }, 'timeout'],
    [{ ok: false, errorClass: 'status' as const }, 'status'],
    [{ ok: false }, 'other'],
  ])('%j is %s', (result, outcome) => {
    expect(probeOutcomeOf(result)).toBe(outcome);
  });
});

describe('probe worker metrics', () => {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function httpCheck(id: string, url: string): HttpCheckConfig {
    return {
      id, type: 'http', url, method: 'GET', headers: {}, intervalMs: 10_000, timeoutMs: 2_000,
      failureThreshold: 1, successThreshold: 1, labels: {}, regions: ['default'], expect: { status: ['2xx'] },
      followRedirects: 5, maxBodyBytes: 1_048_576, tls: { verify: true },
    };
  }

  it('counts each probe a real worker ran by check type and outcome, and times it, on /metrics', async () => {
    const redisUrl = await isolatedRedisUrl();
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    cleanups.push(() => redis.quit());
    const [up, down] = [await startSwitchableTarget(), await startSwitchableTarget()];
    cleanups.push(() => up.close(), () => down.close());
    down.setUp(false);
    const checks = [httpCheck('up', `${up.url}/`), httpCheck('down', `${down.url}/`)];
    await publishChecks(redis, checks);

    const worker = spawnService('probe-worker', { REDIS_URL: redisUrl, VIGIL_HEALTH_PORT: '0' });
    cleanups.push(() => worker.stop());
    const url = await healthUrlOf(worker);
    await started(worker);
    const probes = createQueue('probes', redis, 'default');
    cleanups.push(() => probes.close());
    await probes.add('slot', {
      region: 'default', intervalMs: 10_000, leadMs: 0,
      checks: checks.map((check) => ({ id: check.id, specHash: specHashOf(check), phaseMs: 0 })),
    }, { jobId: `repeat:metrics-test:${Date.now()}` });

    const samples = await eventually('both probes counted', async () => {
      const scraped = await scrape(url);
      return sampleValue(scraped, 'vigil_probe_results_total', { outcome: 'status' }) === 1 ? scraped : undefined;
    });
    const labels = { service: 'probe-worker', check_type: 'http' };
    expect(sampleValue(samples, 'vigil_probe_results_total', { ...labels, outcome: 'ok' })).toBe(1);
    expect(sampleValue(samples, 'vigil_probe_results_total', { ...labels, outcome: 'status' })).toBe(1);
    expect(sampleValue(samples, 'vigil_probe_duration_seconds_count', { ...labels, outcome: 'ok' })).toBe(1);
    expect(sampleValue(samples, 'vigil_probe_duration_seconds_bucket', { ...labels, outcome: 'ok', le: '+Inf' })).toBe(1);
    expect(sampleValue(samples, 'vigil_probes_dropped_total', { service: 'probe-worker' })).toBe(0);
  });
});
