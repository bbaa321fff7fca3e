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
      'defaultRoute: { groupWait: 0s, groupInterval: 1s }',
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

  const fail = (err: unknown): never => {
    throw new Error(`${String(err)}\n${describeOutput(services)}`);
  };
  const service = (name: string) => services.find((s) => s.name === name)!;

  it('sends exactly one firing then exactly one resolved notification, and stores every probe in InfluxDB', async () => {
    await eventually('the target to be probed while up', () => target.hits() >= 2 || undefined, 20_000).catch(fail);

    target.setUp(false);
    const firing = await eventually('a firing notification', () => notifications('firing')[0], 20_000).catch(fail);
    expect(firing).toMatchObject({ version: '4', status: 'firing', receiver: 'oncall' });
    expect(firing.alerts[0]!.labels).toMatchObject({ alertname: 'CheckDown', check: 'shop-api', team: 'shop', severity: 'critical' });

    // Several more failing probes must not notify again.
    const hitsAtFiring = target.hits();
    await eventually('three more failing probes', () => target.hits() >= hitsAtFiring + 3 || undefined, 10_000).catch(fail);
    target.setUp(true);
    await eventually('a resolved notification', () => notifications('resolved')[0], 20_000).catch(fail);
    // Nor several more passing ones.
    const hitsAtResolved = target.hits();
    await eventually('three more passing probes', () => target.hits() >= hitsAtResolved + 3 || undefined, 10_000).catch(fail);

    // Stop probing (the worker finishes the slot it holds and queues its results), then every
    // probe the target answered must be a point, with the outcome the target gave it.
    await service('scheduler').stop();
    await service('probe-worker').stop();
    const served = target.served();
    expect(notifications('firing')).toHaveLength(1);
    expect(notifications('resolved')).toHaveLength(1);
    expect(receiver.requests).toHaveLength(2);

    type Row = [string, boolean];
    const rows = async (): Promise<Row[]> => {
      const answer = await influx.query('SELECT success FROM probe WHERE "check" = \'shop-api\'') as { results: Array<{ series?: Array<{ values: Row[] }> }> };
      return answer.results[0]?.series?.[0]?.values ?? [];
    };
    await eventually('a point for every probe', async () => ((await rows()).length >= served.length || undefined), 20_000)
      .catch(async (err) => fail(`${err}: ${(await rows()).length} points for ${served.length} probes`));
    const stored = await rows();
    // One point per probe (points of one tick overwrite each other, so a lost or doubled probe shows),
    // in the order probed, each saying what the target answered.
    expect(stored).toHaveLength(served.length);
    expect(stored.map(([, success]) => success)).toEqual(served.map((request) => request.status === 200));
    expect(served.filter((request) => request.status === 503).length).toBeGreaterThanOrEqual(5);
  }, 90_000);
});
