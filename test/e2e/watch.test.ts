import { appendFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertmanagerMessage } from '../../libs/channels/index.js';
import { eventually, isolatedRedisUrl } from '../support/infra.js';
import { RecordingReceiver } from '../support/recording-receiver.js';
import { describeOutput, spawnService, type ServiceProcess } from '../support/services.js';

/**
 * File watches with real processes: watcher (publisher and file agent) → evaluator → notifier
 * → a real webhook receiver, on real files in a temporary folder and a real Redis.
 */
describe('end to end: file watches', () => {
  const services: ServiceProcess[] = [];
  let receiver: RecordingReceiver;
  let dir: string;
  let watched: string;
  let configPath: string;

  const config = (extraCheck = '') => [
    'watches:',
    `  - { id: etc-files, paths: [${JSON.stringify(join(watched, 'etc'))}], recursive: true, integrity: true, on: [add, change, unlink], labels: { severity: warning } }`,
    `  - { id: app-log, paths: [${JSON.stringify(join(watched, 'logs'))}], recursive: true, include: ["*.log"], match: "ERROR", threshold: { count: 2, within: 1m }, labels: { severity: critical } }`,
    extraCheck,
    'channels:',
    '  - { id: oncall, type: webhook, url: "${ONCALL_WEBHOOK_URL}" }',
    'defaultRoute: { groupBy: [alertname, path], groupWait: 0s, groupInterval: 1s }',
    '',
  ].join('\n');

  beforeAll(async () => {
    receiver = new RecordingReceiver();
    await receiver.start();
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'vigil-e2e-watch-')));
    watched = join(dir, 'files');
    mkdirSync(join(watched, 'etc'), { recursive: true });
    writeFileSync(join(watched, 'etc', 'app.conf'), 'port = 80\n');
    configPath = join(dir, 'vigil.yaml');
    writeFileSync(configPath, config());
    const env = { REDIS_URL: await isolatedRedisUrl(), INFLUX_URL: '', VIGIL_CONFIG: configPath, ONCALL_WEBHOOK_URL: receiver.url, WATCHER_HOST: 'e2e-host' };
    for (const name of ['watcher', 'notifier', 'evaluator']) services.push(spawnService(name, env));
    const started = (id: string) => services[0]!.output.some((line) => line.includes(`"msg":"watch ${id} started"`));
    await eventually('both watches to start', () => (started('etc-files') && started('app-log')) || undefined, 30_000).catch(fail);
  }, 60_000);

  afterAll(async () => {
    for (const service of [...services].reverse()) await service.stop();
    await receiver?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const fail = (err: unknown): never => {
    throw new Error(`${String(err)}\n${describeOutput(services)}`);
  };
  const alertsNamed = (alertname: string) => receiver.bodies<AlertmanagerMessage>()
    .flatMap((body) => body.alerts)
    .filter((alert) => alert.labels.alertname === alertname);

  it('a changed file reaches the receiver once, saying what changed, with watch, host and path', async () => {
    const path = join(watched, 'etc', 'app.conf');
    writeFileSync(path, 'port = 8080\n');
    const changed = await eventually('a FileChanged notification', () => alertsNamed('FileChanged')[0], 20_000).catch(fail);
    expect(changed.labels).toMatchObject({ alertname: 'FileChanged', watch: 'etc-files', host: 'e2e-host', path, severity: 'warning' });
    expect(JSON.stringify(changed.annotations)).toContain('sha256');
    const newFile = join(watched, 'etc', 'conf.d', 'extra.conf');
    mkdirSync(join(watched, 'etc', 'conf.d'));
    writeFileSync(newFile, 'x\n');
    await eventually('a FileChanged for a file in a new folder', () => alertsNamed('FileChanged').find((alert) => alert.labels.path === newFile), 20_000).catch(fail);
    expect(alertsNamed('FileChanged').filter((alert) => alert.labels.path === path && alert.status === 'firing')).toHaveLength(1);
  }, 60_000);

  it('two ERROR lines within a minute fire LogPatternMatched with the lines as samples', async () => {
    const log = join(watched, 'logs', 'app.log');
    mkdirSync(join(watched, 'logs'), { recursive: true });
    writeFileSync(log, 'INFO started\n');
    appendFileSync(log, 'ERROR disk full\nINFO retrying\n');
    appendFileSync(log, 'ERROR disk still full\n');
    const matched = await eventually('a LogPatternMatched notification', () => alertsNamed('LogPatternMatched')[0], 20_000).catch(fail);
    expect(matched.labels).toMatchObject({ watch: 'app-log', host: 'e2e-host', path: log, severity: 'critical' });
    expect(JSON.stringify(matched.annotations)).toContain('ERROR disk still full');
  }, 60_000);

  it('an invalid edit of the configuration fires ConfigRejected naming the problem; a valid one resolves it', async () => {
    writeFileSync(configPath, config('checks:\n  - { id: broken, type: http, url: "not a url" }'));
    const rejected = await eventually('a ConfigRejected notification', () => alertsNamed('ConfigRejected')[0], 20_000).catch(fail);
    expect(JSON.stringify(rejected.annotations)).toContain('checks[0].url');
    writeFileSync(configPath, config());
    await eventually('ConfigRejected resolved', () => alertsNamed('ConfigRejected').find((alert) => alert.status === 'resolved'), 20_000).catch(fail);
    expect(alertsNamed('ConfigRejected').filter((alert) => alert.status === 'firing')).toHaveLength(1);
  }, 60_000);
});
