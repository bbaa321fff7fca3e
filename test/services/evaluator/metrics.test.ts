import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../libs/config/index.js';
import type { ProbeResult } from '../../../libs/queues/index.js';
import { createServiceRegistry } from '../../../libs/self-monitoring/registry.js';
import { freePort } from '../../../scripts/local-stack/ports.js';
import { createEvaluatorMetrics } from '../../../services/evaluator/metrics.js';
import { evaluatorHarness } from '../../support/evaluator.js';
import { eventually, influxUrl, isolatedRedisUrl } from '../../support/infra.js';
import { parsePrometheusText, sampleValue } from '../../support/prometheus-text.js';
import { getJson, healthUrlOf } from '../../support/self-monitoring.js';
import { spawnService, started } from '../../support/services.js';

const CONFIG_TEXT = `
checks:
  - { id: api, type: tcp, host: 127.0.0.1, port: 1, interval: 10s, timeout: 1s, failureThreshold: 1, successThreshold: 1 }
`;

const result = (scheduledAt: number, ok: boolean): ProbeResult => ({
  checkId: 'api', checkType: 'tcp', region: 'default', scheduledAt, startedAt: scheduledAt + 3, ok,
  timings: { totalMs: 5 }, workerId: 'test', ...(ok ? {} : { errorClass: 'refused' as const, message: 'connect ECONNREFUSED' }),
});

describe('evaluator metrics', () => {
  const harness = evaluatorHarness();

  it('counts alert transitions by alertname and status once they are handed to the notifier', async () => {
    const registry = createServiceRegistry('evaluator', { defaultMetrics: false });
    harness.start(parseConfig(CONFIG_TEXT), { counters: createEvaluatorMetrics(registry) });
    const transitions = async (status: string) => sampleValue(parsePrometheusText(await registry.metrics()), 'vigil_alert_transitions_total', { service: 'evaluator', alertname: 'CheckDown', status });
    const now = Date.now();

    await harness.feed(result(now, false));
    await eventually('firing counted', async () => (await transitions('firing')) === 1 || undefined);
    await harness.feed(result(now + 10_000, true));
    await eventually('resolved counted', async () => (await transitions('resolved')) === 1 || undefined);
    expect(await transitions('firing')).toBe(1);
  });
});

describe('evaluator readiness', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-evaluator-ready-'));
  const configPath = join(dir, 'vigil.yaml');
  writeFileSync(configPath, CONFIG_TEXT);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function readinessWith(influx: string) {
    const service = spawnService('evaluator', { REDIS_URL: await isolatedRedisUrl(), VIGIL_CONFIG: configPath, INFLUX_URL: influx, VIGIL_HEALTH_PORT: '0' });
    try {
      const url = await healthUrlOf(service);
      await started(service);
      return await getJson(`${url}/readyz`);
    } finally {
      await service.stop();
    }
  }

  it('is ready when Redis and InfluxDB answer', async () => {
    const answer = await readinessWith(influxUrl());
    expect(answer).toEqual({ status: 200, body: { status: 'ready', unreachable: {} } });
  });

  it('is not ready, naming influxdb, when INFLUX_URL points at nothing', async () => {
    const answer = await readinessWith(`http://127.0.0.1:${await freePort()}`);
    expect(answer.status).toBe(503);
    expect(Object.keys(answer.body.unreachable as object)).toEqual(['influxdb']);
  });
});
