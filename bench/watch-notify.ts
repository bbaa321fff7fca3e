/**
 * `npm run bench:watch -- --phase notify` (bench/watch.ts hands over here): how long from a
 * file written under a watched folder to the webhook that tells of it, on this machine with
 * its own redis-server, one evaluator, one notifier and one watcher (file agent only) process,
 * and a receiver in the bench process on 127.0.0.1 that answers 200 at once.
 *
 * Each sample creates a new file (so each is its own FileChanged alert, in a group of its own:
 * groupBy [path], groupWait 0s) and waits until the receiver has read the request naming that
 * path, or SAMPLE_TIMEOUT_MS. WARM_UP samples go first and are not counted. A lost or repeated
 * notification fails the bench.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { publishConfig } from '../libs/config-sync.js';
import { parseConfig } from '../libs/config/index.js';
import { createRedis } from '../libs/queues/index.js';
import { ensureBinaries, REDIS_SERVER } from '../scripts/local-stack/binaries.js';
import { startRedis } from '../scripts/local-stack/servers.js';
import { spawnService, stopService, withTimeout, type BenchRun } from './bench-run.js';
import { percentile } from './proc-stats.js';

const WARM_UP = 10;
const SAMPLE_TIMEOUT_MS = 10_000;
const START_TIMEOUT_MS = 30_000;
/** After the last sample, how long to keep listening for a repeat. */
const QUIET_MS = 1_000;
const SPACING_MS = 20;

const say = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Loopback receiver: records when each path was first named, and how often. */
class PathReceiver {
  readonly arrivals = new Map<string, number[]>();
  private readonly waiters = new Map<string, () => void>();
  private server: Server | undefined;

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const at = performance.now();
        res.statusCode = 200;
        res.end();
        this.record(at, Buffer.concat(chunks).toString('utf8'));
      });
    });
    await new Promise<void>((done, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => done());
    });
    this.server = server;
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/vigil`;
  }

  arrived(path: string): Promise<void> {
    if (this.arrivals.has(path)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.set(path, resolve));
  }

  async stop(): Promise<void> {
    await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
  }

  private record(at: number, text: string): void {
    let body: { alerts?: Array<{ status?: string; labels?: Record<string, string> }> };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      return;
    }
    for (const alert of body.alerts ?? []) {
      const path = alert.labels?.path;
      if (path === undefined || alert.status !== 'firing') continue;
      this.arrivals.set(path, [...(this.arrivals.get(path) ?? []), at]);
      this.waiters.get(path)?.();
      this.waiters.delete(path);
    }
  }
}

function configText(folder: string, receiverUrl: string): string {
  return [
    'watches:',
    `  - { id: bench-files, paths: [${JSON.stringify(folder)}], recursive: true, on: [add] }`,
    'channels:',
    `  - { id: bench, type: webhook, url: ${JSON.stringify(receiverUrl)} }`,
    'defaultRoute: { groupBy: [path], groupWait: 0s, groupInterval: 1h, repeatInterval: 24h }',
    'routes:',
    '  - { channels: [bench] }',
    '',
  ].join('\n');
}

/** Returns whether every sample arrived exactly once. */
export async function notifyPhase(run: BenchRun, samples: number): Promise<boolean> {
  if (!Number.isInteger(samples) || samples < 1 || samples > 10_000) throw new Error(`--samples: expected 1 to 10000, got ${samples}`);
  ensureBinaries([REDIS_SERVER]);
  const { reaper, dir, closers } = run;
  const folder = join(dir, 'watched');
  mkdirSync(folder, { recursive: true });
  const receiver = new PathReceiver();
  const receiverUrl = await receiver.start();
  closers.push(() => receiver.stop());

  const text = configText(folder, receiverUrl);
  parseConfig(text, {});
  const configPath = join(dir, 'vigil.yaml');
  writeFileSync(configPath, text);
  const redis = await startRedis({ dataDir: join(dir, 'redis'), onSpawn: (child) => reaper.watch(child.pid, 'term') });
  const admin = createRedis(redis.url);
  closers.push(() => admin.quit().then(() => undefined));
  await publishConfig(admin, text, configPath);

  const env = { REDIS_URL: redis.url, VIGIL_CONFIG: configPath, INFLUX_URL: '', WATCHER_ROLES: 'agent', WATCHER_HOST: 'bench-host' };
  const quietMessages = (msg: string) => msg === 'watch alert firing' || msg.startsWith('INFLUX_URL is not set');
  const services = ['evaluator', 'notifier', 'watcher'].map((name) => spawnService(name as 'evaluator' | 'notifier' | 'watcher', env, reaper, quietMessages));
  for (const service of services) closers.push(() => stopService(service.child));
  await withTimeout('start-up', Promise.all(services.map((service) => service.started)), START_TIMEOUT_MS);
  // The agent's watch is ready a little after "started": new files until one is told of.
  await withTimeout('the first notification', (async () => {
    for (let attempt = 0; attempt < 50; attempt++) {
      const path = join(folder, `ready-check-${attempt}.txt`);
      writeFileSync(path, `${attempt}`);
      if (await Promise.race([receiver.arrived(path).then(() => true), sleep(500).then(() => false)])) return;
    }
  })(), START_TIMEOUT_MS);

  const latencies: number[] = [];
  let lost = 0;
  for (let index = 0; index < WARM_UP + samples; index++) {
    const path = join(folder, `sample-${index}.txt`);
    const writtenAt = performance.now();
    writeFileSync(path, `sample ${index}\n`);
    const arrived = await Promise.race([receiver.arrived(path).then(() => true), sleep(SAMPLE_TIMEOUT_MS).then(() => false)]);
    if (!arrived) {
      lost++;
      continue;
    }
    if (index >= WARM_UP) latencies.push(receiver.arrivals.get(path)![0]! - writtenAt);
    await sleep(SPACING_MS);
  }
  await sleep(QUIET_MS);
  const repeated = [...receiver.arrivals.values()].filter((times) => times.length > 1).length;
  latencies.sort((a, b) => a - b);
  const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
  say(`notify: ${latencies.length} writes, file write to webhook p50 ${fmt(percentile(latencies, 50))}, p99 ${fmt(percentile(latencies, 99))} (target <= 500 ms), max ${fmt(latencies.at(-1) ?? Number.NaN)}; lost ${lost}, repeated ${repeated}`);
  const notable = services.reduce((sum, service) => sum + service.notable(), 0);
  if (notable > 0) say(`notify: warning: ${notable} unexpected warnings or errors in the services' logs (printed above)`);
  return lost === 0 && repeated === 0;
}
