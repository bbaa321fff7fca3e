import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertmanagerMessage } from '../../libs/channels/index.js';
import { InfluxV1Writer } from '../../libs/metrics/index.js';
import { eventually, influxUrl, isolatedRedisUrl, uniqueName } from '../support/infra.js';
import { startSwitchableTarget } from '../support/http-servers.js';
import { RecordingReceiver } from '../support/recording-receiver.js';
import { describeOutput, spawnService, type ServiceProcess } from '../support/services.js';

/**
 * The whole pipeline with real processes: scheduler → probe-worker → evaluator → notifier,
 * watcher publishing the configuration, a real HTTP target that goes down and comes back,
 * a real webhook receiver, real Redis and InfluxDB.
 */
describe('end to end: a check goes down and comes back', () => {
  const services: ServiceProcess[] = [];
  let target: Awaited<ReturnType<typeof startSwitchableTarget>>;
  let receiver: RecordingReceiver;
  let influx: InfluxV1Writer;
  let dir: string;

  beforeAll(async () => {
    target = await startSwitchableTarget();
    receiver = new RecordingReceiver();
    await receiver.start();
    dir = mkdtempSync(join(tmpdir(), 'vigil-e2e-'));
    const configPath = join(dir, 'vigil.yaml');
    writeFileSync(configPath, [
      'checks:',
      '  - id: shop-api',
      '    type: http',
      `    url: ${target.url}/healthz`,
      '    interval: 1s',
      '    timeout: 500ms',
      '    failureThreshold: 2',
      '    successThreshold: 2',
      '    labels: { team: shop, severity: critical }',
      'channels:',
      '  - { id: oncall, type: webhook, url: "${ONCALL_WEBHOOK_URL}" }',
      '',
    ].join('\n'));
    const database = uniqueName('vigil_e2e');
    influx = new InfluxV1Writer({ url: influxUrl(), database });
    const env = {
      REDIS_URL: await isolatedRedisUrl(),
      INFLUX_URL: influxUrl(),
      INFLUX_VERSION: '1',
      INFLUX_DATABASE: database,
      VIGIL_CONFIG: configPath,
      ONCALL_WEBHOOK_URL: receiver.url,
    };
    for (const name of ['watcher', 'notifier', 'evaluator', 'probe-worker', 'scheduler']) services.push(spawnService(name, env));
  });

  afterAll(async () => {
    for (const service of [...services].reverse()) await service.stop();
    await target?.close();
    await receiver?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const notifications = (status: string) => receiver.bodies<AlertmanagerMessage>().filter((body) => body.status === status);

  it('sends exactly one firing then exactly one resolved notification, and stores every probe in InfluxDB', async () => {
    await eventually('the target to be probed while up', () => target.hits() >= 2 || undefined, 20_000)
      .catch((err) => { throw new Error(`${err}\n${describeOutput(services)}`); });

    target.setUp(false);
    const firing = await eventually('a firing notification', () => notifications('firing')[0], 20_000)
      .catch((err) => { throw new Error(`${err}\n${describeOutput(services)}`); });
    expect(firing).toMatchObject({ version: '4', status: 'firing', receiver: 'oncall' });
    expect(firing.alerts[0]!.labels).toMatchObject({ alertname: 'CheckDown', check: 'shop-api', team: 'shop', severity: 'critical' });

    // Several more failing probes must not notify again.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    target.setUp(true);
    await eventually('a resolved notification', () => notifications('resolved')[0], 20_000)
      .catch((err) => { throw new Error(`${err}\n${describeOutput(services)}`); });
    await new Promise((resolve) => setTimeout(resolve, 2_500));

    expect(notifications('firing')).toHaveLength(1);
    expect(notifications('resolved')).toHaveLength(1);
    expect(receiver.requests).toHaveLength(2);

    const rows = await eventually('probe points in InfluxDB', async () => {
      const answer = await influx.query('SELECT success, total_ms FROM probe WHERE "check" = \'shop-api\'') as { results: Array<{ series?: Array<{ values: unknown[][] }> }> };
      const values = answer.results[0]?.series?.[0]?.values ?? [];
      const failures = values.filter((row) => row[1] === false).length;
      return values.length >= 8 && failures >= 3 ? values : undefined;
    }, 15_000);
    expect(rows.some((row) => row[1] === true)).toBe(true);
  }, 90_000);
});
