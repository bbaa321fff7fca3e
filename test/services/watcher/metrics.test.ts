import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { watch as watchSchema } from '../../../libs/config/watches.js';
import { createQueue, createRedis, type WatchObservationBatch } from '../../../libs/queues/index.js';
import { createServiceRegistry } from '../../../libs/self-monitoring/registry.js';
import { startFileAgent } from '../../../services/watcher/agent.js';
import { createWatcherMetrics } from '../../../services/watcher/metrics.js';
import { eventually, isolatedRedisUrl } from '../../support/infra.js';
import { parsePrometheusText, sampleValue } from '../../support/prometheus-text.js';

describe('watcher metrics', () => {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('counts the observations it queued, by kind, as many as are on the results queue', async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'vigil-watch-metrics-')));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const redis = createRedis(await isolatedRedisUrl());
    cleanups.push(() => redis.quit());
    const results = createQueue('results', redis);
    cleanups.push(() => results.close());
    const registry = createServiceRegistry('watcher', { defaultMetrics: false });
    const agent = await startFileAgent({
      redis, log: pino({ level: 'silent' }), host: 'test-host', metrics: createWatcherMetrics(registry),
      watches: [watchSchema.parse({ id: 'metrics-watch', paths: [dir], recursive: true })],
    });
    cleanups.push(() => agent.close());

    writeFileSync(join(dir, 'a.txt'), 'one');
    const queuedEvents = async () => {
      const jobs = await results.getJobs(['waiting'], 0, -1, true);
      return jobs.flatMap((job) => (job.data as WatchObservationBatch).observations ?? []).filter((observation) => observation.kind === 'event').length;
    };
    const counted = async () => sampleValue(parsePrometheusText(await registry.metrics()), 'vigil_watch_observations_total', { service: 'watcher', kind: 'event' });
    // The counter moves once the add resolved, so it may trail the queue for a moment; never the other way round.
    const both = await eventually('the add event queued and counted', async () => {
      const [queued, seen] = [await queuedEvents(), await counted()];
      return queued >= 1 && seen === queued ? { queued, seen } : undefined;
    });
    expect(both.seen).toBeGreaterThanOrEqual(1);
  });
});
