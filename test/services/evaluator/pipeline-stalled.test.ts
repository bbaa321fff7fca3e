/** The pipeline watchdog through a real evaluator and Redis: PipelineStalled fires and resolves on `alerts`. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../libs/config/index.js';
import { createQueue, type AlertEvent, type ProbeResult } from '../../../libs/queues/index.js';
import { evaluatorHarness } from '../../support/evaluator.js';
import { eventually } from '../../support/infra.js';

const harness = evaluatorHarness();

async function pipelineAlerts(): Promise<AlertEvent[]> {
  const alerts = createQueue('alerts', harness.redis);
  try {
    return (await alerts.getJobs(['waiting', 'delayed', 'completed', 'active'])).map((job) => job.data).filter((event) => event.labels.alertname === 'PipelineStalled');
  } finally {
    await alerts.close();
  }
}

describe('the pipeline watchdog', () => {
  it('raises PipelineStalled when no probe results arrive, and resolves it when they do', async () => {
    harness.start(parseConfig('checks:\n  - { id: web, type: tcp, host: 127.0.0.1, port: 1, interval: 1s, timeout: 500ms }\n'), { pipelineSweepEveryMs: 100, pipelineStalledAfterMs: 500 });
    const firing = await eventually('PipelineStalled firing', async () => (await pipelineAlerts()).find((event) => event.status === 'firing'));
    expect(firing.labels).toEqual({ alertname: 'PipelineStalled', severity: 'critical' });

    const result: ProbeResult = { checkId: 'web', checkType: 'tcp', region: 'default', scheduledAt: Date.now(), startedAt: Date.now(), ok: true, timings: { totalMs: 1 }, workerId: 'test' };
    await harness.feed(result);
    const resolved = await eventually('PipelineStalled resolved', async () => (await pipelineAlerts()).find((event) => event.status === 'resolved'));
    expect(resolved.fingerprint).toBe(firing.fingerprint);
    expect((await pipelineAlerts()).filter((event) => event.status === 'firing')).toHaveLength(1);
  });
});
