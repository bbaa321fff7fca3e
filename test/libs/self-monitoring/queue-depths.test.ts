import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckConfig } from '../../../libs/config/index.js';
import { createQueue } from '../../../libs/queues/index.js';
import { pipelineQueues, registerQueueDepths } from '../../../libs/self-monitoring/queue-depths.js';
import { createServiceRegistry } from '../../../libs/self-monitoring/registry.js';
import { isolatedRedisUrl } from '../../support/infra.js';
import { parsePrometheusText, sampleValue } from '../../support/prometheus-text.js';

describe('pipelineQueues', () => {
  it.each([
    [[], ['results', 'alerts', 'group-flushes', 'deliveries']],
    [[{ type: 'tcp', regions: ['default'] }], ['probes-default', 'results', 'alerts', 'group-flushes', 'deliveries']],
    [[{ type: 'http', regions: ['us', 'eu'] }, { type: 'dns', regions: ['eu'] }], ['probes-eu', 'probes-us', 'results', 'alerts', 'group-flushes', 'deliveries']],
    [[{ type: 'heartbeat', regions: ['heartbeat'] }], ['results', 'alerts', 'group-flushes', 'deliveries']],
  ])('%j → %j', (checks, queues) => {
    expect(pipelineQueues(checks as CheckConfig[])).toEqual(queues);
  });
});

describe('queue depths on /metrics', () => {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setUp(redis: Redis, queues: string[]) {
    const registry = createServiceRegistry('scheduler', { defaultMetrics: false });
    const depths = registerQueueDepths(registry, { redis, queues: () => queues, timeoutMs: 1_000 });
    cleanups.push(() => depths.close());
    return async () => parsePrometheusText(await registry.metrics());
  }

  it('shows waiting and delayed jobs per queue as read at scrape time', async () => {
    const redis = new Redis(await isolatedRedisUrl(), { maxRetriesPerRequest: null });
    cleanups.push(() => redis.quit());
    const scrape = await setUp(redis, ['probes-default', 'results']);
    const results = createQueue('results', redis);
    cleanups.push(() => results.close());
    await results.add('results', { source: 'probe', region: 'default', results: [] });
    await results.add('results', { source: 'probe', region: 'default', results: [] });
    await results.add('results', { source: 'probe', region: 'default', results: [] }, { delay: 60_000 });

    const samples = await scrape();
    expect(sampleValue(samples, 'vigil_queue_jobs', { service: 'scheduler', queue: 'results', state: 'waiting' })).toBe(2);
    expect(sampleValue(samples, 'vigil_queue_jobs', { queue: 'results', state: 'delayed' })).toBe(1);
    expect(sampleValue(samples, 'vigil_queue_jobs', { queue: 'results', state: 'failed' })).toBe(0);
    expect(sampleValue(samples, 'vigil_queue_jobs', { queue: 'probes-default', state: 'active' })).toBe(0);
    expect(sampleValue(samples, 'vigil_queue_depths_up')).toBe(1);

    await results.add('results', { source: 'probe', region: 'default', results: [] });
    expect(sampleValue(await scrape(), 'vigil_queue_jobs', { queue: 'results', state: 'waiting' })).toBe(3);
  });

  it('answers at once without queue series, and up 0, while Redis is unreachable', async () => {
    const redis = new Redis(await isolatedRedisUrl(), { maxRetriesPerRequest: null, lazyConnect: true });
    cleanups.push(() => redis.disconnect());
    const scrape = await setUp(redis, ['results']);
    const startedAt = Date.now();
    const samples = await scrape();
    expect(Date.now() - startedAt).toBeLessThan(1_000);
    expect(samples.filter((sample) => sample.name === 'vigil_queue_jobs')).toEqual([]);
    expect(sampleValue(samples, 'vigil_queue_depths_up')).toBe(0);
  });
});
