import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertmanagerMessage } from '../../libs/channels/index.js';
import { freePort } from '../../scripts/local-stack/ports.js';
import { eventually, isolatedRedisUrl } from '../support/infra.js';
import { RecordingReceiver } from '../support/recording-receiver.js';
import { describeOutput, spawnService, started, type ServiceProcess } from '../support/services.js';
import { ADMIN_TOKEN } from '../services/api/support.js';

const INGEST_TOKEN = 'c3'.repeat(16);

/**
 * Passive checks with real processes: a job pings the api service (heartbeats) or an agent
 * pushes results (external checks), the evaluator decides, the notifier tells a real webhook
 * receiver. Each test has its own
 * check, so none depends on what another left.
 */
describe('end to end: heartbeats and pushed results', () => {
  const services: ServiceProcess[] = [];
  let receiver: RecordingReceiver;
  let dir: string;
  let apiUrl: string;

  const CONFIG = [
    'checks:',
    '  - { id: backup-missed, type: heartbeat, period: 2s, grace: 1s, labels: { team: ops } }',
    '  - { id: backup-failed, type: heartbeat, period: 1h, grace: 1h }',
    '  - { id: backup-overran, type: heartbeat, period: 1h, grace: 2s }',
    '  - { id: branch-office, type: external, interval: 1m, failureThreshold: 1, successThreshold: 1, regions: [office], labels: { site: berlin } }',
    'channels:',
    '  - { id: oncall, type: webhook, url: "${ONCALL_WEBHOOK_URL}" }',
    'defaultRoute: { groupBy: [check], groupWait: 0s, groupInterval: 1s }',
    'api:',
    '  tokens:',
    '    - { id: ops, token: "${API_ADMIN_TOKEN}", scope: admin }',
    '    - { id: agent, token: "${API_INGEST_TOKEN}", scope: ingest }',
    '',
  ].join('\n');

  beforeAll(async () => {
    receiver = new RecordingReceiver();
    await receiver.start();
    dir = mkdtempSync(join(tmpdir(), 'vigil-e2e-heartbeat-'));
    const configPath = join(dir, 'vigil.yaml');
    writeFileSync(configPath, CONFIG);
    const port = await freePort();
    apiUrl = `http://127.0.0.1:${port}`;
    const env = {
      REDIS_URL: await isolatedRedisUrl(), INFLUX_URL: '', VIGIL_CONFIG: configPath, ONCALL_WEBHOOK_URL: receiver.url,
      API_PORT: String(port), API_ADMIN_TOKEN: ADMIN_TOKEN, API_INGEST_TOKEN: INGEST_TOKEN,
    };
    for (const name of ['notifier', 'evaluator', 'api']) services.push(spawnService(name, env));
    await Promise.all(services.map((service) => started(service))).catch(fail);
  }, 60_000);

  afterAll(async () => {
    for (const service of [...services].reverse()) await service.stop();
    await receiver?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const fail = (err: unknown): never => {
    throw new Error(`${String(err)}\n${describeOutput(services)}`);
  };

  const alertsOf = (checkId: string, status: 'firing' | 'resolved') => receiver.bodies<AlertmanagerMessage>()
    .flatMap((body) => body.alerts)
    .filter((alert) => alert.labels.check === checkId && alert.status === status);

  async function pingUrlOf(checkId: string): Promise<string> {
    const response = await fetch(`${apiUrl}/api/v1/checks/${checkId}/ping-url`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(response.status).toBe(200);
    return `${apiUrl}${((await response.json()) as { path: string }).path}`;
  }

  async function statusOf(checkId: string): Promise<string> {
    const response = await fetch(`${apiUrl}/api/v1/checks/${checkId}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    return ((await response.json()) as { check: { states: Array<{ status: string }> } }).check.states[0]!.status;
  }

  it('a job that stops pinging brings one CheckDown, and its next ping resolves it', async () => {
    const ping = await pingUrlOf('backup-missed');
    expect((await fetch(ping)).status).toBe(200);
    await eventually('the check to be up after its ping', async () => ((await statusOf('backup-missed')) === 'up' || undefined)).catch(fail);

    const firing = await eventually('a CheckDown for the silent job', () => alertsOf('backup-missed', 'firing')[0], 20_000).catch(fail);
    expect(firing.labels).toMatchObject({ alertname: 'CheckDown', check: 'backup-missed', team: 'ops' });
    expect(firing.annotations.description).toMatch(/no success ping since .*expected by/);

    expect((await fetch(ping, { method: 'POST', body: 'backup done' })).status).toBe(200);
    await eventually('the alert to resolve', () => alertsOf('backup-missed', 'resolved')[0], 20_000).catch(fail);
    expect(alertsOf('backup-missed', 'firing')).toHaveLength(1);
  });

  it('a ping with a non-zero exit code is down at once, naming the code', async () => {
    const ping = await pingUrlOf('backup-failed');
    expect((await fetch(`${ping}/3`)).status).toBe(200);
    const firing = await eventually('a CheckDown for the failed run', () => alertsOf('backup-failed', 'firing')[0], 20_000).catch(fail);
    expect(firing.annotations.description).toMatch(/exit code 3/);
    expect(await statusOf('backup-failed')).toBe('down');
  });

  it('a run that started and did not finish within grace is down', async () => {
    const ping = await pingUrlOf('backup-overran');
    expect((await fetch(`${ping}/start`)).status).toBe(200);
    const firing = await eventually('a CheckDown for the run over grace', () => alertsOf('backup-overran', 'firing')[0], 20_000).catch(fail);
    expect(firing.annotations.description).toMatch(/did not finish within grace \(2s\)/);
  });

  async function push(events: unknown[]): Promise<number> {
    const response = await fetch(`${apiUrl}/api/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${INGEST_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ events }) });
    return response.status;
  }

  it('results an agent pushes for an external check bring CheckDown and its resolution', async () => {
    const startMs = Date.now();
    expect(await push([{ check: 'branch-office', ok: false, message: 'VPN tunnel down', at: new Date(startMs).toISOString() }])).toBe(202);
    const firing = await eventually('a CheckDown for the pushed failure', () => alertsOf('branch-office', 'firing')[0], 20_000).catch(fail);
    expect(firing.labels).toMatchObject({ alertname: 'CheckDown', check: 'branch-office', site: 'berlin' });
    expect(firing.annotations.description).toMatch(/VPN tunnel down/);

    expect(await push([{ check: 'branch-office', ok: true, latencyMs: 42, at: new Date(startMs + 1_000).toISOString() }])).toBe(202);
    await eventually('the alert to resolve', () => alertsOf('branch-office', 'resolved')[0], 20_000).catch(fail);
    expect(alertsOf('branch-office', 'firing')).toHaveLength(1);
  });
});
