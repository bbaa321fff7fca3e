import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/local-stack/ports.js';
import { childEnv, redisHostPort, type InfraPlan } from '../../scripts/start/infra.js';
import { BUNDLED_CONFIG, parseStartOptions } from '../../scripts/start/options.js';
import { stackProcesses, stopGroups } from '../../scripts/start/services.js';
import { eventually } from '../support/infra.js';
import { descendants, dump as dumpOutput, killAll, jsonLines, startVigil, stillRunning, waitForServices, withTimeout, type Started } from './stack.js';

/**
 * The real first command: `npm start` with a small configuration, its own redis-server,
 * influxd and demo server on free loopback ports, and all six services. A check on the demo
 * target goes down and up; the demo's webhook receiver must see the alert fire and resolve.
 */

interface Notification {
  status?: string;
  alerts?: Array<{ status?: string; labels?: Record<string, string>; annotations?: Record<string, string> }>;
}

describe('npm start options', () => {
  it('takes the config from --config, then VIGIL_CONFIG, then ./vigil.yaml, then the bundled example', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'vigil-opts-'));
    try {
      expect(parseStartOptions(['--config', 'a.yaml'], { VIGIL_CONFIG: 'b.yaml' }, cwd)).toMatchObject({ configPath: join(cwd, 'a.yaml'), configSource: 'flag' });
      expect(parseStartOptions([], { VIGIL_CONFIG: '/etc/b.yaml' }, cwd)).toMatchObject({ configPath: '/etc/b.yaml', configSource: 'VIGIL_CONFIG' });
      expect(parseStartOptions([], {}, cwd)).toMatchObject({ configPath: BUNDLED_CONFIG, configSource: 'bundled example' });
      writeFileSync(join(cwd, 'vigil.yaml'), 'checks: []\n');
      expect(parseStartOptions([], {}, cwd)).toMatchObject({ configPath: join(cwd, 'vigil.yaml'), configSource: 'working directory' });
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('reads the probe-worker count, data dir and grace period', () => {
    expect(parseStartOptions(['--probe-workers', '3'], { VIGIL_PROBE_WORKERS: '2' }, '/w')).toMatchObject({ probeWorkers: 3, dataDir: '/w/.vigil', graceMs: 30_000 });
    expect(parseStartOptions(['--probe-workers=4'], {}, '/w').probeWorkers).toBe(4);
    expect(parseStartOptions([], { VIGIL_PROBE_WORKERS: '2', VIGIL_DATA_DIR: '/d', VIGIL_SHUTDOWN_GRACE_MS: '500' }, '/w')).toMatchObject({ probeWorkers: 2, dataDir: '/d', graceMs: 500 });
    expect(() => parseStartOptions(['--probe-workers', '0'], {}, '/w')).toThrow(/--probe-workers/);
    expect(() => parseStartOptions(['--frobnicate'], {}, '/w')).toThrow(/unknown argument/);
  });

  it('starts the watcher first and the api last, and stops them the other way round, probe-workers together', () => {
    expect(stackProcesses(2).map((p) => p.name)).toEqual(['watcher', 'notifier', 'evaluator', 'probe-worker-1', 'probe-worker-2', 'scheduler', 'api']);
    expect(stopGroups(stackProcesses(2))).toEqual([['api'], ['scheduler'], ['probe-worker-1', 'probe-worker-2'], ['evaluator'], ['notifier'], ['watcher']]);
  });

  it('gives the services Redis, InfluxDB 1.x of its own, the config and the demo URL', () => {
    const plan: InfraPlan = {
      redisUrl: 'redis://127.0.0.1:6390', redisPort: { port: 6390, reason: 'default' },
      influxUrl: 'http://127.0.0.1:8087', influxPort: { port: 8087, reason: 'default' },
      demoPort: { port: 8099, reason: 'default' }, demoUrl: 'http://127.0.0.1:8099',
    };
    const env = childEnv({ PATH: '/bin', INFLUX_TOKEN: 'elsewhere' }, plan, '/cfg/vigil.yaml');
    expect(env).toMatchObject({
      PATH: '/bin', REDIS_URL: 'redis://127.0.0.1:6390', VIGIL_REDIS_HOST: '127.0.0.1', VIGIL_REDIS_PORT: '6390',
      INFLUX_URL: 'http://127.0.0.1:8087', INFLUX_VERSION: '1', INFLUX_DATABASE: 'vigil',
      VIGIL_CONFIG: '/cfg/vigil.yaml', VIGIL_DEMO_URL: 'http://127.0.0.1:8099', LOG_LEVEL: 'info',
    });
    expect(env.INFLUX_TOKEN).toBeUndefined();
    expect(redisHostPort('redis://user:pw@cache.internal/2')).toEqual({ host: 'cache.internal', port: 6379 });
  });
});

describe('npm start', () => {
  let work: string;
  const running: Started[] = [];

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'vigil-start-'));
  });
  afterAll(() => {
    killAll(running);
    rmSync(work, { recursive: true, force: true });
  });

  it('stops with the configuration problems when the file is invalid, starting nothing', async () => {
    const configPath = join(work, 'bad.yaml');
    writeFileSync(configPath, 'checks:\n  - id: Bad Id\n    type: http\n    url: not-a-url\n');
    const started = startVigil(work, ['--config', configPath], { VIGIL_DATA_DIR: join(work, 'bad-data') });
    running.push(started);
    const { code } = await withTimeout(started.exit, 20_000, 'exit');
    expect(code).toBe(1);
    const text = started.output.join('\n');
    expect(text).toContain('invalid configuration');
    expect(text).toContain('checks[0].id');
    expect(text).toContain('checks[0].url');
    expect(existsSync(join(work, 'bad-data'))).toBe(false);
  });

  it('rejects a malformed --probe-workers with usage', async () => {
    const started = startVigil(work, ['--probe-workers', 'zero'], {});
    running.push(started);
    const { code } = await withTimeout(started.exit, 20_000, 'exit');
    expect(code).toBe(2);
    expect(started.output.join('\n')).toContain('usage: npm start');
  });

  it('runs the stack: a check goes down, the webhook fires, it recovers, the alert resolves, SIGTERM stops all cleanly', async () => {
    const [redisPort, influxPort, demoPort, apiPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const demo = `http://127.0.0.1:${demoPort}`;
    const configPath = join(work, 'vigil.yaml');
    writeFileSync(configPath, [
      'checks:',
      '  - id: demo-app',
      '    type: http',
      '    url: "${VIGIL_DEMO_URL}/healthz"',
      '    interval: 2s',
      '    timeout: 1s',
      '    failureThreshold: 2',
      '    successThreshold: 1',
      '    labels: { severity: critical }',
      'channels:',
      '  - { id: demo, type: webhook, url: "${VIGIL_DEMO_URL}/webhook", timeout: 2s }',
      'routes:',
      '  - { channels: [demo], groupBy: [check], groupWait: 0s, groupInterval: 1s, repeatInterval: 1h, sendResolved: true }',
      '',
    ].join('\n'));

    const started = startVigil(work, ['--config', configPath], {
      VIGIL_DATA_DIR: join(work, 'data'),
      VIGIL_REDIS_PORT: String(redisPort),
      VIGIL_INFLUX_PORT: String(influxPort),
      VIGIL_DEMO_PORT: String(demoPort),
      API_PORT: String(apiPort),
      VIGIL_LOG_FORMAT: 'json',
      VIGIL_SHUTDOWN_GRACE_MS: '20000',
      LOG_LEVEL: 'info',
    });
    running.push(started);
    const dump = (): string => dumpOutput(started);
    const lines = (): Array<Record<string, unknown>> => jsonLines(started);
    const notifications = async (): Promise<Notification[]> => (await (await fetch(`${demo}/webhook`)).json()) as Notification[];
    const alertsFor = (all: Notification[], status: string) =>
      all.flatMap((n) => n.alerts ?? []).filter((alert) => alert.status === status && alert.labels?.check === 'demo-app');

    try {
      // Every service has run its start-up (runService logs "started").
      await waitForServices(started, stackProcesses(1).map((p) => p.name));
      expect(started.output.join('\n')).toContain(`curl -X POST ${demo}/down`);
      expect((await fetch(`${demo}/healthz`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${apiPort}/api/v1/openapi.json`)).status).toBe(200);
      // Let the check be seen up at least once before it goes down.
      await new Promise((r) => setTimeout(r, 3_000));
      expect(alertsFor(await notifications(), 'firing')).toEqual([]);

      expect((await fetch(`${demo}/down`, { method: 'POST' })).status).toBe(200);
      const firing = await eventually('a firing alert for demo-app at the webhook', async () => {
        const found = alertsFor(await notifications(), 'firing');
        return found.length > 0 ? found : undefined;
      }, 30_000, 250);
      expect(firing[0]!.labels).toMatchObject({ check: 'demo-app' });
      expect(started.output.some((line) => line.includes('webhook received: FIRING demo-app'))).toBe(true);

      expect((await fetch(`${demo}/up`, { method: 'POST' })).status).toBe(200);
      await eventually('a resolved alert for demo-app at the webhook', async () => {
        const found = alertsFor(await notifications(), 'resolved');
        return found.length > 0 ? found : undefined;
      }, 30_000, 250);
      expect(started.output.some((line) => line.includes('webhook received: RESOLVED demo-app'))).toBe(true);
    } catch (err) {
      throw new Error(`${(err as Error).message}${dump()}`);
    }

    const children = descendants(started.child.pid!);
    expect(children.some((c) => c.command.startsWith('redis-server'))).toBe(true);
    expect(children.some((c) => c.command.includes('influxd'))).toBe(true);

    started.child.kill('SIGTERM');
    const result = await withTimeout(started.exit, 40_000, 'shutdown after SIGTERM').catch((err: Error) => {
      throw new Error(`${err.message}${dump()}`);
    });
    expect(result, dump()).toEqual({ code: 0, signal: null });
    expect(stillRunning(children), dump()).toEqual([]);

    // Services stopped in order: api first, watcher last, servers after them.
    const stoppedOrder = lines().filter((l) => l.msg === 'stopped' && typeof l.process === 'string' && l.process !== 'vigil').map((l) => l.process);
    expect(stoppedOrder, dump()).toEqual(stopGroups(stackProcesses(1)).flat());
    expect(stoppedOrder).toEqual(['api', 'scheduler', 'probe-worker-1', 'evaluator', 'notifier', 'watcher']);
  }, 150_000);
});
