import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, isolatedRedisUrl } from '../../support/infra.js';
import { sampleValue } from '../../support/prometheus-text.js';
import { getJson, healthUrlOf, scrape } from '../../support/self-monitoring.js';
import { spawnService, started } from '../../support/services.js';

/** The scheduler is the one service that exposes queue depths (libs/self-monitoring/queue-depths.ts). */
describe('scheduler self-monitoring', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-scheduler-metrics-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is ready with Redis up and shows the depth of every pipeline queue, its regions included, on /metrics', async () => {
    const configPath = join(dir, 'vigil.yaml');
    writeFileSync(configPath, 'checks:\n  - { id: api, type: tcp, host: 127.0.0.1, port: 1, interval: 10s, regions: [eu] }\n');
    const scheduler = spawnService('scheduler', { REDIS_URL: await isolatedRedisUrl(), VIGIL_CONFIG: configPath, VIGIL_HEALTH_PORT: '0' });
    try {
      const url = await healthUrlOf(scheduler);
      await started(scheduler);
      expect(await getJson(`${url}/readyz`)).toEqual({ status: 200, body: { status: 'ready', unreachable: {} } });
      const samples = await eventually('queue depths', async () => {
        const scraped = await scrape(url);
        return sampleValue(scraped, 'vigil_queue_depths_up') === 1 ? scraped : undefined;
      });
      const queues = new Set(samples.filter((sample) => sample.name === 'vigil_queue_jobs').map((sample) => sample.labels.queue));
      expect([...queues]).toEqual(['probes-eu', 'results', 'alerts', 'group-flushes', 'deliveries']);
      expect(sampleValue(samples, 'vigil_queue_jobs', { service: 'scheduler', queue: 'results', state: 'failed' })).toBe(0);
    } finally {
      await scheduler.stop();
    }
  });
});
