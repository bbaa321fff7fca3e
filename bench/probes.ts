/**
 * `npm run bench:probes`: the whole stack on this machine (its own redis-server, influxd,
 * a local target server, scheduler, probe-workers, evaluator) with N http checks against
 * distinct URLs, run for a fixed time, then the figures: sustained probes/s end to end
 * (scheduled → probed → evaluated → point in InfluxDB), probe-start drift, CPU seconds per
 * 1,000 probes per process, Redis memory per check, and the bare-undici ceiling.
 *
 *   npm run bench:probes -- --checks 5000 --interval 10s --duration 60s --workers 2
 *
 * The probe-workers run with the service defaults (the settings the README recommends)
 * unless --concurrency / --host-concurrency say otherwise. The checks are spread over
 * --target-hosts loopback addresses (127.0.0.1 ... 127.0.0.N, default 8) so that the
 * per-host cap, a quarter of the concurrency by default, does not bind as it would if every
 * check went to one host.
 *
 * With --influx-outage 10m, influxd is stopped 10 s into the measured window for that long
 * and started again; at the end probing stops, the buffer drains, and every probe the target
 * answered is looked for in InfluxDB: the figure is how many points were lost.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { parseDuration } from '../libs/config/index.js';
import { InfluxV1Writer } from '../libs/metrics/index.js';
import { forEachLine } from '../scripts/local-stack/lines.js';
import { startReaper } from '../scripts/local-stack/reaper.js';
import { startInfluxd, startRedis } from '../scripts/local-stack/servers.js';
import { bareRequestRate } from './ceiling.js';
import { cpuSeconds } from './proc-stats.js';

const ROOT = resolve(import.meta.dirname, '..');
const TSX = resolve(ROOT, 'node_modules/tsx/dist/loader.mjs');

const { values: args } = parseArgs({
  options: {
    checks: { type: 'string', default: '2000' },
    interval: { type: 'string', default: '10s' },
    duration: { type: 'string', default: '30s' },
    warmup: { type: 'string', default: '15s' },
    workers: { type: 'string', default: '1' },
    concurrency: { type: 'string' },
    'host-concurrency': { type: 'string' },
    'target-hosts': { type: 'string', default: '8' },
    evaluators: { type: 'string', default: '1' },
    'ceiling-duration': { type: 'string', default: '5s' },
    'influx-outage': { type: 'string', default: '0s' },
  },
});

const checks = Number(args.checks);
const intervalMs = parseDuration(args.interval)!;
const durationMs = parseDuration(args.duration)!;
const warmupMs = parseDuration(args.warmup)!;
const workers = Number(args.workers);
const evaluators = Number(args.evaluators);
const outageMs = parseDuration(args['influx-outage'])!;
if (outageMs > 0 && outageMs + 10_000 >= durationMs) throw new Error('--duration must exceed --influx-outage by more than 10s');

interface Proc {
  name: string;
  pid: number;
  child?: ChildProcess;
}

const say = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Everything the bench starts is stopped by the reaper if the bench dies without cleaning up (SIGKILL).
const reaper = startReaper();

function spawnNode(name: string, script: string, env: NodeJS.ProcessEnv): Proc & { child: ChildProcess; firstLine: Promise<string> } {
  const child = spawn(process.execPath, ['--import', TSX, resolve(ROOT, script)], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  reaper.watch(child.pid, 'term');
  let resolveFirst: (line: string) => void = () => undefined;
  const firstLine = new Promise<string>((r) => { resolveFirst = r; });
  for (const stream of [child.stdout!, child.stderr!]) {
    forEachLine(stream, (line) => {
      resolveFirst(line);
      if (/"level":(40|50|60)/.test(line) && !line.includes('probes dropped')) process.stderr.write(`[${name}] ${line.slice(0, 300)}\n`);
    });
  }
  return { name, pid: child.pid!, child, firstLine };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
  const procs: Proc[] = [];
  const stopAll: Array<() => Promise<void>> = [];
  try {
    const redis = await startRedis({ dataDir: join(dir, 'redis') });
    reaper.watch(redis.process.pid, 'term');
    stopAll.push(() => redis.stop());
    let influxd = await startInfluxd({ dataDir: join(dir, 'influxdb') });
    reaper.watch(influxd.process.pid, 'term');
    stopAll.push(() => influxd.stop());
    procs.push({ name: 'redis-server', pid: redis.process.pid! }, { name: 'influxd', pid: influxd.process.pid! });

    const target = spawnNode('target', 'bench/target-server.ts', { TARGET_HOSTS: args['target-hosts'] });
    stopAll.push(async () => { target.child.kill('SIGTERM'); });
    const listening = JSON.parse(await target.firstLine) as { port: number; hosts: string[] };
    const targetUrls = listening.hosts.map((host) => `http://${host}:${listening.port}`);
    const targetUrl = targetUrls[0]!;
    procs.push(target);

    say(`ceiling: bare undici, fresh connection per request, 50 in flight, ${args['ceiling-duration']} ...`);
    const ceiling = await bareRequestRate(targetUrl, parseDuration(args['ceiling-duration'])!, 50);

    const configPath = join(dir, 'vigil.yaml');
    const lines = ['checks:'];
    for (let i = 0; i < checks; i++) lines.push(`  - { id: c${i}, type: http, url: "${targetUrls[i % targetUrls.length]}/c/${i}", interval: ${args.interval}, timeout: 2s }`);
    writeFileSync(configPath, `${lines.join('\n')}\n`);

    const admin = new Redis(redis.url);
    const memoryEmpty = Number((await admin.info('memory')).match(/used_memory:(\d+)/)![1]);
    const env = {
      REDIS_URL: redis.url, INFLUX_URL: influxd.url, INFLUX_VERSION: '1', INFLUX_DATABASE: 'bench', VIGIL_CONFIG: configPath,
      ...(args.concurrency === undefined ? {} : { PROBE_CONCURRENCY: args.concurrency }),
      ...(args['host-concurrency'] === undefined ? {} : { PROBE_HOST_CONCURRENCY: args['host-concurrency'] }),
    };
    for (let i = 1; i <= evaluators; i++) procs.push(spawnNode(`evaluator-${i}`, 'services/evaluator/main.ts', env));
    for (let i = 1; i <= workers; i++) procs.push(spawnNode(`probe-worker-${i}`, 'services/probe-worker/main.ts', env));
    procs.push(spawnNode('scheduler', 'services/scheduler/main.ts', env));
    stopAll.unshift(() => stopChildren(procs.flatMap((proc) => (proc.child ? [proc.child] : []))));

    const concurrency = args.concurrency ?? 'default concurrency';
    say(`stack: ${checks} checks every ${args.interval} (${(checks / (intervalMs / 1_000)).toFixed(0)} probes/s due) on ${targetUrls.length} target host(s), ${workers} probe-worker(s) x ${concurrency}, ${evaluators} evaluator(s); warm-up ${args.warmup}, measuring ${args.duration}`);
    await sleep(warmupMs);

    const windowStart = Date.now();
    const cpuStart = procs.map((proc) => cpuSeconds(proc.pid));
    let peakBuffered = 0;
    let peakMemory = 0;
    if (outageMs > 0) {
      await sleep(10_000);
      say(`influxd stopped for ${args['influx-outage']} ...`);
      await influxd.stop();
      const outageEnd = Date.now() + outageMs;
      while (Date.now() < outageEnd) {
        await sleep(Math.min(5_000, outageEnd - Date.now()));
        peakBuffered = Math.max(peakBuffered, await admin.llen('vigil:metrics:buffer'));
        peakMemory = Math.max(peakMemory, Number((await admin.info('memory')).match(/used_memory:(\d+)/)![1]));
      }
      influxd = await startInfluxd({ dataDir: join(dir, 'influxdb'), port: influxd.port });
      reaper.watch(influxd.process.pid, 'term');
      say('influxd started again');
      await sleep(Math.max(0, windowStart + durationMs - Date.now()));
    } else {
      await sleep(durationMs);
    }
    const windowEnd = Date.now();
    const cpuEnd = procs.map((proc) => cpuSeconds(proc.pid));
    const memoryEnd = Number((await admin.info('memory')).match(/used_memory:(\d+)/)![1]);

    // Points are stamped with their scheduled time; give the pipeline time to drain the window.
    await sleep(Math.min(intervalMs, 10_000) + 3_000);
    const influx = new InfluxV1Writer({ url: influxd.url, database: 'bench' });
    let lossReport: string | undefined;
    if (outageMs > 0) lossReport = await countLoss(procs, influx, admin, targetUrl, peakBuffered, peakMemory - memoryEmpty);
    const where = `time >= ${windowStart}ms AND time < ${windowEnd}ms`;
    const count = await scalar(influx, `SELECT count(success) FROM probe WHERE ${where}`);
    const p50 = await scalar(influx, `SELECT percentile(start_delay_ms, 50) FROM probe WHERE ${where}`);
    const p99 = await scalar(influx, `SELECT percentile(start_delay_ms, 99) FROM probe WHERE ${where}`);
    const failed = await scalar(influx, `SELECT count(success) FROM probe WHERE ${where} AND success = false`);
    // Workers report drops every 10 s, stamped with the report's end: shift the window by that much.
    const dropped = await scalar(influx, `SELECT sum(count) FROM probes_dropped WHERE time >= ${windowStart + 10_000}ms AND time < ${windowEnd + 10_000}ms`);
    await admin.quit();

    const seconds = (windowEnd - windowStart) / 1_000;
    const rate = count / seconds;
    const due = checks / (intervalMs / 1_000);
    say('');
    say(`due                 ${due.toFixed(0)} probes/s`);
    say(`sustained           ${rate.toFixed(0)} probes/s end to end (${count} points in ${seconds.toFixed(1)} s; ${failed} failed probes); ${((rate / due) * 100).toFixed(0)}% of due, ${((rate / ceiling) * 100).toFixed(0)}% of the ceiling`);
    say(`dropped             ${(dropped / seconds).toFixed(0)} probes/s reported by the workers (${dropped} in the window); not stored: ${Math.max(0, due - rate).toFixed(0)} probes/s`);
    say(`start drift         p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms`);
    say(`redis memory        ${((memoryEnd - memoryEmpty) / checks / 1024).toFixed(2)} KB per check`);
    say(`ceiling             ${ceiling.toFixed(0)} requests/s (bare undici, fresh connection each)`);
    if (lossReport) say(lossReport);
    say('cpu seconds per 1,000 probes:');
    let total = 0;
    procs.forEach((proc, i) => {
      const used = cpuEnd[i]! - cpuStart[i]!;
      if (Number.isNaN(used)) return say(`  ${proc.name.padEnd(16)} (restarted during the window, not counted)`);
      total += used;
      say(`  ${proc.name.padEnd(16)} ${((used / count) * 1_000).toFixed(3)}`);
    });
    say(`  ${'all'.padEnd(16)} ${((total / count) * 1_000).toFixed(3)}   (${((total / seconds) * 100).toFixed(0)}% of one core)`);
  } finally {
    for (const stop of stopAll) await stop().catch(() => undefined);
    await reaper.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** SIGTERM, then SIGKILL for whatever has not exited 15 s later: nothing the bench started outlives it. */
async function stopChildren(children: ChildProcess[]): Promise<void> {
  const running = children.filter((child) => child.exitCode === null && child.signalCode === null);
  const exited = running.map((child) => new Promise<void>((done) => child.once('exit', () => done())));
  for (const child of running) child.kill('SIGTERM');
  const killer = setTimeout(() => { for (const child of running) child.kill('SIGKILL'); }, 15_000);
  await Promise.all(exited);
  clearTimeout(killer);
}

/** Stops probing, waits for the buffer to drain, and compares probes answered with points stored. */
async function countLoss(procs: Proc[], influx: InfluxV1Writer, admin: Redis, targetUrl: string, peakBuffered: number, peakMemoryBytes: number): Promise<string> {
  const prober = (proc: Proc) => proc.name === 'scheduler' || proc.name.startsWith('probe-worker');
  await Promise.all(procs.filter(prober).map((proc) => new Promise<void>((done) => {
    proc.child!.once('exit', () => done());
    proc.child!.kill('SIGTERM');
  })));
  const drainStart = Date.now();
  while ((await admin.llen('vigil:metrics:buffer')) > 0 && Date.now() - drainStart < 300_000) await sleep(500);
  const drainSeconds = (Date.now() - drainStart) / 1_000;
  await sleep(2_000);
  const probed = Number(await (await fetch(`${targetUrl}/__count`)).text());
  const stored = await scalar(influx, 'SELECT count(success) FROM probe');
  return `outage              ${probed} probes answered, ${stored} points stored, ${probed - stored} lost; `
    + `peak buffer ${peakBuffered} points (${(peakMemoryBytes / 1_048_576).toFixed(0)} MB Redis), drained in ${drainSeconds.toFixed(1)} s`;
}

async function scalar(influx: InfluxV1Writer, q: string): Promise<number> {
  const answer = await influx.query(q) as { results: Array<{ series?: Array<{ values: number[][] }> }> };
  return Number(answer.results[0]?.series?.[0]?.values[0]?.[1] ?? 0);
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
