/**
 * `npm run bench:alerts -- --notifier` (bench/alerts.ts hands over here): how fast an alert
 * becomes a notification at a receiver, on this machine with its own redis-server, one
 * evaluator and one notifier process, and a webhook receiver in the bench process on
 * 127.0.0.1 that answers 200 at once and records when each request arrived and what it said.
 * The bench plays the probe-workers (ResultBatches on `results`, as bench/alerts.ts does).
 *
 *   npm run bench:alerts -- --notifier
 *   BENCH_NOTIFIER_PROF=/tmp/prof npm run bench:alerts -- --notifier   (also writes the notifier's CPU profile)
 *
 * a. Notification latency: from just before `queue.add` of a batch holding one failing result
 *    (a check with failureThreshold 1 that was up, in a group of its own: groupBy [check],
 *    groupWait 0s, groupInterval 1h) to the receiver having read the request that carries that
 *    check's alert. One at a time; every sample is its own check, so each fires once. Measured
 *    with the services idle, then under LOAD_PER_SECOND ok results/s of other checks in
 *    batches of one 100 ms slot each (as bench/alerts.ts's loaded phase). WARM_UP alerts go
 *    first and are not counted.
 * b. Storm: STORM_CHECKS checks go down at once (their failing results in batches of 100,
 *    added one after the other as fast as the connection allows), grouped `groupBy: [team]`
 *    over STORM_TEAMS teams with groupWait 5s: the time from the first add until the receiver
 *    has been told of every one of them, how many messages it got (target: one per group) and
 *    how many alerts those carried.
 * c. Throughput: THROUGHPUT_EVENTS alert events put straight on the `alerts` queue (as the
 *    evaluator's outbox puts them: name = status, job id = transitionIdOf), each its own group
 *    (groupBy [check], groupWait 0s): from the first add to the last arrival, and the
 *    notifier's CPU seconds over the same span (/proc/<pid>/stat).
 *
 * Lost or duplicated notifications fail the bench (exit code 1): at the end every alert the
 * bench caused must have reached the receiver in exactly one request, and no webhook-id may
 * arrive twice. InfluxDB is not started (INFLUX_URL ''); both services log at info as in
 * production, and the bench reads their output.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Queue } from 'bullmq';
import { fingerprintOf, transitionIdOf } from '../libs/alerts/index.js';
import { publishConfig } from '../libs/config-sync.js';
import { ConfigError, formatProblem, parseConfig, type CheckConfig } from '../libs/config/index.js';
import { createQueue, createRedis, jobIdOf, type AlertEvent } from '../libs/queues/index.js';
import { ensureBinaries, REDIS_SERVER } from '../scripts/local-stack/binaries.js';
import { startRedis } from '../scripts/local-stack/servers.js';
import { batchOf, drained, resultOf, sendHistory, SLOT_MS, startLoad, UsageError, type Batch, type Running } from './alerts.js';
import { cpuSeconds, percentile } from './proc-stats.js';
import { spawnService, startBenchRun, stopService, withTimeout, type Service } from './bench-run.js';


const SAMPLES = 200;
const WARM_UP = 20;
const IDLE_SPACING_MS = 100;
const LOAD_PER_SECOND = 1_000;
const LOAD_CHECKS = 1_000;
const LOAD_DURATION_MS = 20_000;
const STORM_CHECKS = 5_000;
const STORM_TEAMS = 10;
const STORM_BATCH = 100;
const STORM_GROUP_WAIT = '5s';
const THROUGHPUT_EVENTS = 2_000;
const THROUGHPUT_CHUNK = 100;
/** ok results per check before anything is measured, so every check is up (and the services warm). */
const HISTORY_ROUNDS = 5;
const CADENCE_MS = Math.round((LOAD_CHECKS / LOAD_PER_SECOND) * 1_000);

/** Bounds: a sample, each phase, start-up, and waiting for the pipeline to go quiet. */
const SAMPLE_TIMEOUT_MS = 10_000;
const MAX_LOST_IN_A_ROW = 3;
const START_TIMEOUT_MS = 30_000;
const DRAIN_TIMEOUT_MS = 60_000;
const STORM_TIMEOUT_MS = 60_000;
const THROUGHPUT_TIMEOUT_MS = 120_000;
const QUIET_MS = 1_000;
const QUIET_TIMEOUT_MS = 30_000;
const POLL_MS = 10;

const say = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A finding that fails the bench: printed as a sentence, not a stack. */
class BenchFailure extends Error {}

// ---------------------------------------------------------------------------------------------
// The webhook receiver

interface Arrival {
  /** performance.now() when the whole request had been read. */
  at: number;
  /** The webhook-id header: the notification id. */
  id: string;
  groupKey: string;
  /** labels.check of every alert in the message. */
  checks: string[];
}

/** Loopback HTTP server that answers 200 at once and records every request. */
class Receiver {
  readonly arrivals: Arrival[] = [];
  /** Requests whose body was not an Alertmanager message. */
  malformed = 0;
  private readonly firstAt = new Map<string, number>();
  private readonly waiters = new Map<string, (at: number) => void>();
  private server: Server | undefined;

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const at = performance.now();
        res.statusCode = 200;
        res.end();
        this.record(at, String(req.headers['webhook-id'] ?? ''), Buffer.concat(chunks).toString('utf8'));
      });
    });
    await new Promise<void>((done, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => done());
    });
    this.server = server;
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/vigil`;
  }

  private record(at: number, id: string, text: string): void {
    let body: { groupKey?: unknown; alerts?: Array<{ labels?: Record<string, string> }> };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      this.malformed++;
      return;
    }
    if (!Array.isArray(body.alerts)) {
      this.malformed++;
      return;
    }
    const checks = body.alerts.map((alert) => alert.labels?.check ?? '?');
    this.arrivals.push({ at, id, groupKey: String(body.groupKey ?? ''), checks });
    for (const check of checks) {
      if (!this.firstAt.has(check)) this.firstAt.set(check, at);
      this.waiters.get(check)?.(at);
    }
  }

  /** When the first message telling of `check` arrived; undefined if none within `timeoutMs`. */
  arrivalOf(check: string, timeoutMs: number): Promise<number | undefined> {
    const seen = this.firstAt.get(check);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((done) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        done(undefined);
      }, timeoutMs);
      this.waiters.set(check, (at) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        done(at);
      });
    });
  }

  /** How many of `checks` have been told so far, and when the last of those first arrived. */
  coverage(checks: readonly string[]): { told: number; lastAt: number } {
    let told = 0;
    let lastAt = Number.NaN;
    for (const check of checks) {
      const at = this.firstAt.get(check);
      if (at === undefined) continue;
      told++;
      if (!(at <= lastAt)) lastAt = at;
    }
    return { told, lastAt };
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  }
}

// ---------------------------------------------------------------------------------------------
// Configuration

interface BenchChecks {
  text: string;
  load: CheckConfig[];
  warmUp: CheckConfig[];
  idle: CheckConfig[];
  loaded: CheckConfig[];
  storm: CheckConfig[];
}

/**
 * Background checks `l<n>`, warm-up `w<n>`, measured `i<n>` (idle) and `m<n>` (loaded), storm
 * checks `s<n>` labelled with their team; all tcp to a loopback port nobody probes, no rules.
 * Two routes to the one webhook channel: the storm's (groupBy team, groupWait 5s) and every
 * other alert's, which inherits defaultRoute (groupBy check, groupWait 0s, groupInterval 1h).
 */
function buildConfig(receiverUrl: string): BenchChecks {
  const lines = ['checks:'];
  const check = (id: string, failureThreshold: number, labels?: string): void => {
    lines.push(`  - id: ${id}`, '    type: tcp', '    host: 127.0.0.1', '    port: 9', `    interval: ${CADENCE_MS}ms`, `    timeout: ${Math.floor(CADENCE_MS / 2)}ms`,
      `    failureThreshold: ${failureThreshold}`, '    successThreshold: 1', ...(labels ? [`    labels: ${labels}`] : []));
  };
  for (let i = 0; i < LOAD_CHECKS; i++) check(`l${i}`, 3);
  for (let i = 0; i < WARM_UP; i++) check(`w${i}`, 1);
  for (let i = 0; i < SAMPLES; i++) check(`i${i}`, 1);
  for (let i = 0; i < SAMPLES; i++) check(`m${i}`, 1);
  for (let i = 0; i < STORM_CHECKS; i++) check(`s${i}`, 1, `{ bench: storm, team: team${i % STORM_TEAMS} }`);
  lines.push(
    'channels:',
    '  - id: bench',
    '    type: webhook',
    `    url: ${JSON.stringify(receiverUrl)}`,
    'defaultRoute:',
    '  groupBy: [check]',
    '  groupWait: 0s',
    '  groupInterval: 1h',
    'routes:',
    `  - { match: { bench: storm }, channels: [bench], groupBy: [team], groupWait: ${STORM_GROUP_WAIT} }`,
    '  - { channels: [bench] }',
  );
  const text = `${lines.join('\n')}\n`;
  const config = parseConfig(text, process.env, 'bench:alerts --notifier configuration');
  const byPrefix = (prefix: string) => config.checks.filter((c) => c.id.startsWith(prefix));
  return { text, load: byPrefix('l'), warmUp: byPrefix('w'), idle: byPrefix('i'), loaded: byPrefix('m'), storm: byPrefix('s') };
}

// ---------------------------------------------------------------------------------------------
// The services

/** BENCH_NOTIFIER_PROF=DIR writes the notifier's CPU profile (node --cpu-prof) into DIR. */
function notifierProfileFlags(): string[] {
  const dir = process.env.BENCH_NOTIFIER_PROF;
  return dir ? ['--cpu-prof', '--cpu-prof-dir', dir] : [];
}

// ---------------------------------------------------------------------------------------------
// Phases

interface Stack {
  results: Queue<Batch>;
  alerts: Queue<AlertEvent>;
  deliveries: Queue;
  flushes: Queue;
  receiver: Receiver;
  evaluator: Service;
  notifier: Service;
}

const bothRunning = (stack: Stack) => stack.evaluator.running() && stack.notifier.running();

function assertRunning(stack: Stack, during: string): void {
  for (const service of [stack.evaluator, stack.notifier]) {
    if (!service.running()) throw new BenchFailure(`the ${service.name} exited during ${during} (code ${service.child.exitCode}, signal ${service.child.signalCode})`);
  }
}

/**
 * Until nothing is waiting or active on any queue (delayed group-flushes are the groups' next
 * timers, an hour ahead, and do not count; delayed deliveries are retries and do) and the
 * receiver has heard nothing for QUIET_MS.
 */
async function quiet(stack: Stack, during: string): Promise<void> {
  const deadline = Date.now() + QUIET_TIMEOUT_MS;
  const busy = ['wait', 'active', 'prioritized', 'paused'] as const;
  while (Date.now() < deadline) {
    assertRunning(stack, during);
    const counts = await Promise.all([
      stack.results.getJobCounts(...busy, 'delayed'),
      stack.alerts.getJobCounts(...busy, 'delayed'),
      stack.deliveries.getJobCounts(...busy, 'delayed'),
      stack.flushes.getJobCounts(...busy),
    ]);
    const lastAt = stack.receiver.arrivals.at(-1)?.at ?? 0;
    if (counts.every((c) => Object.values(c).every((n) => n === 0)) && performance.now() - lastAt >= QUIET_MS) return;
    await sleep(50);
  }
  throw new BenchFailure(`the queues did not empty within ${QUIET_TIMEOUT_MS / 1_000} s after ${during}`);
}

interface Latencies {
  latencies: number[];
  lost: number;
}

/**
 * One failing result per check, the i-th at a random point of its own `spacingMs` slot, never
 * two at once, none after `deadline`; each waits for its check's notification at the receiver.
 */
async function measureNotifications(stack: Stack, checks: CheckConfig[], spacingMs: number, deadline: number, during: string): Promise<Latencies> {
  const latencies: number[] = [];
  let lost = 0;
  let lostInARow = 0;
  const start = Date.now();
  for (let i = 0; i < checks.length; i++) {
    await sleep(Math.max(0, start + (i + Math.random() * 0.5) * spacingMs - Date.now()));
    if (Date.now() >= deadline) break;
    assertRunning(stack, during);
    const id = checks[i]!.id;
    const arrival = stack.receiver.arrivalOf(id, SAMPLE_TIMEOUT_MS);
    const sentAt = performance.now();
    await stack.results.add('results', batchOf([resultOf(id, Date.now(), false)]));
    const at = await arrival;
    if (at !== undefined) {
      latencies.push(at - sentAt);
      lostInARow = 0;
      continue;
    }
    lost++;
    if (++lostInARow >= MAX_LOST_IN_A_ROW) throw new BenchFailure(`${during}: ${lostInARow} notifications in a row did not reach the receiver within ${SAMPLE_TIMEOUT_MS / 1_000} s (the last: check ${id})`);
  }
  return { latencies: latencies.sort((a, b) => a - b), lost };
}

interface StormFigures {
  addMs: number;
  firstMs: number;
  lastMs: number;
  told: number;
  messages: number;
  groups: number;
  carried: number;
  distinctIds: number;
}

async function storm(stack: Stack, checks: CheckConfig[]): Promise<StormFigures> {
  const ids = checks.map((check) => check.id);
  const stormIds = new Set(ids);
  const from = stack.receiver.arrivals.length;
  const startedAt = performance.now();
  for (let first = 0; first < checks.length; first += STORM_BATCH) {
    const at = Date.now();
    await stack.results.add('results', batchOf(ids.slice(first, first + STORM_BATCH).map((id) => resultOf(id, at, false))));
  }
  const addMs = performance.now() - startedAt;
  const deadline = Date.now() + STORM_TIMEOUT_MS;
  let coverage = stack.receiver.coverage(ids);
  while (coverage.told < ids.length && Date.now() < deadline) {
    assertRunning(stack, 'the storm');
    await sleep(POLL_MS);
    coverage = stack.receiver.coverage(ids);
  }
  // Whatever else the storm brings (a second message to a group) arrives before the queues are quiet.
  if (coverage.told === ids.length) await quiet(stack, 'the storm');
  const messages = stack.receiver.arrivals.slice(from).filter((arrival) => arrival.checks.some((check) => stormIds.has(check)));
  return {
    addMs,
    firstMs: messages.length > 0 ? Math.min(...messages.map((m) => m.at)) - startedAt : Number.NaN,
    lastMs: coverage.lastAt - startedAt,
    told: coverage.told,
    messages: messages.length,
    groups: new Set(messages.map((m) => m.groupKey)).size,
    carried: messages.reduce((sum, m) => sum + m.checks.length, 0),
    distinctIds: new Set(messages.map((m) => m.id)).size,
  };
}

interface ThroughputFigures {
  addMs: number;
  seconds: number;
  told: number;
  cpu: number;
}

/** THROUGHPUT_EVENTS firing CheckDown events straight onto `alerts`, in chunks, as fast as the connection takes them. */
async function throughput(stack: Stack): Promise<ThroughputFigures> {
  const startsAt = new Date().toISOString();
  const ids = Array.from({ length: THROUGHPUT_EVENTS }, (_, i) => `c${i}`);
  const events = ids.map((id): AlertEvent => {
    const labels = { alertname: 'CheckDown', check: id };
    return { fingerprint: fingerprintOf(labels), status: 'firing', labels, annotations: {}, startsAt };
  });
  const pid = stack.notifier.child.pid!;
  const cpuStart = cpuSeconds(pid);
  const startedAt = performance.now();
  for (let first = 0; first < events.length; first += THROUGHPUT_CHUNK) {
    await stack.alerts.addBulk(events.slice(first, first + THROUGHPUT_CHUNK).map((event) => ({ name: event.status, data: event, opts: { jobId: jobIdOf(...transitionIdOf(event)) } })));
  }
  const addMs = performance.now() - startedAt;
  const deadline = Date.now() + THROUGHPUT_TIMEOUT_MS;
  let coverage = stack.receiver.coverage(ids);
  while (coverage.told < ids.length && Date.now() < deadline) {
    assertRunning(stack, 'the throughput phase');
    await sleep(POLL_MS);
    coverage = stack.receiver.coverage(ids);
  }
  const cpu = cpuSeconds(pid) - cpuStart;
  return { addMs, seconds: (coverage.lastAt - startedAt) / 1_000, told: coverage.told, cpu };
}

/**
 * Every alert the bench caused reached the receiver in exactly one message, and no
 * notification id arrived twice. Returns what is wrong, one line each.
 */
function audit(receiver: Receiver, expected: readonly string[]): string[] {
  const problems: string[] = [];
  const byId = new Map<string, number>();
  for (const arrival of receiver.arrivals) byId.set(arrival.id, (byId.get(arrival.id) ?? 0) + 1);
  const repeatedIds = [...byId].filter(([, count]) => count > 1);
  if (repeatedIds.length > 0) problems.push(`duplicated: ${repeatedIds.length} webhook-id values arrived more than once (${receiver.arrivals.length} requests, ${byId.size} distinct ids; e.g. ${repeatedIds.slice(0, 3).map(([id, n]) => `${id} x${n}`).join(', ')})`);
  if (byId.has('')) problems.push('requests without a webhook-id header arrived');
  const told = new Map<string, number>();
  for (const arrival of receiver.arrivals) for (const check of arrival.checks) told.set(check, (told.get(check) ?? 0) + 1);
  const missing = expected.filter((check) => !told.has(check));
  if (missing.length > 0) problems.push(`lost: ${missing.length} of ${expected.length} alerts never reached the receiver (e.g. ${missing.slice(0, 5).join(', ')})`);
  const twice = [...told].filter(([, count]) => count > 1);
  if (twice.length > 0) problems.push(`duplicated: ${twice.length} alerts were told in more than one message (e.g. ${twice.slice(0, 5).map(([check, n]) => `${check} x${n}`).join(', ')})`);
  const expectedSet = new Set(expected);
  const stray = [...told.keys()].filter((check) => !expectedSet.has(check));
  if (stray.length > 0) problems.push(`alerts the bench did not cause were notified: ${stray.length} (e.g. ${stray.slice(0, 5).join(', ')})`);
  if (receiver.malformed > 0) problems.push(`${receiver.malformed} requests were not Alertmanager messages`);
  return problems;
}

// ---------------------------------------------------------------------------------------------

function readArgs(): void {
  try {
    parseArgs({ options: { notifier: { type: 'boolean' } }, strict: true });
  } catch (err) {
    throw new UsageError(`--notifier takes no other options (${(err as Error).message})`);
  }
}

export async function notifierBench(): Promise<number> {
  readArgs();
  ensureBinaries([REDIS_SERVER]);
  const loadAtStart = loadavg()[0]!;

  const { reaper, dir, closers, cleanup } = startBenchRun('bench:alerts --notifier');

  try {
    const receiver = new Receiver();
    const receiverUrl = await receiver.start();
    closers.push(() => receiver.stop());
    let checks: BenchChecks;
    try {
      checks = buildConfig(receiverUrl);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      process.stderr.write(`bench:alerts --notifier: the configuration is rejected:\n${err.problems.slice(0, 10).map((p) => `  ${formatProblem(p)}`).join('\n')}\n`);
      return 1;
    }

    const redis = await startRedis({ dataDir: join(dir, 'redis'), onSpawn: (child) => reaper.watch(child.pid, 'term') });
    const admin = createRedis(redis.url);
    closers.push(() => admin.quit().then(() => undefined));
    const results = createQueue('results', admin);
    const alerts = createQueue('alerts', admin);
    const deliveries = createQueue('deliveries', admin);
    const flushes = createQueue('group-flushes', admin);
    closers.push(() => Promise.all([results, alerts, deliveries, flushes].map((q) => q.close())).then(() => undefined));

    await publishConfig(admin, checks.text, 'bench:alerts --notifier');
    const env = { REDIS_URL: redis.url, VIGIL_CONFIG: join(dir, 'published-in-redis.yaml'), INFLUX_URL: '' };
    const evaluator = spawnService('evaluator', env, reaper, (msg) => msg === 'check is down' || msg.startsWith('INFLUX_URL is not set'));
    closers.push(() => stopService(evaluator.child));
    const notifier = spawnService('notifier', env, reaper, () => false, notifierProfileFlags());
    closers.push(() => stopService(notifier.child));
    try {
      await withTimeout('start-up', Promise.all([evaluator.started, notifier.started]), START_TIMEOUT_MS);
    } catch (err) {
      process.stderr.write(`bench:alerts --notifier: ${(err as Error).message}\n`);
      return 1;
    }
    const stack: Stack = { results, alerts, deliveries, flushes, receiver, evaluator, notifier };
    const running: Running = () => bothRunning(stack);

    const perBatch = Math.max(1, Math.round((LOAD_PER_SECOND * SLOT_MS) / 1_000));
    const everyCheck = [...checks.load, ...checks.warmUp, ...checks.idle, ...checks.loaded, ...checks.storm];
    say(`history: ${HISTORY_ROUNDS} ok results for each of ${everyCheck.length} checks ...`);
    await sendHistory(results, running, everyCheck, HISTORY_ROUNDS, CADENCE_MS, perBatch);
    await quiet(stack, 'the history');
    if (receiver.arrivals.length > 0) throw new BenchFailure(`${receiver.arrivals.length} notifications arrived during the history, which holds only ok results`);

    say(`warm-up: ${checks.warmUp.length} notifications, not counted ...`);
    await measureNotifications(stack, checks.warmUp, IDLE_SPACING_MS, Date.now() + checks.warmUp.length * (IDLE_SPACING_MS + SAMPLE_TIMEOUT_MS), 'the warm-up');
    await quiet(stack, 'the warm-up');

    say(`idle: ${checks.idle.length} notifications, one at a time ...`);
    const idle = await measureNotifications(stack, checks.idle, IDLE_SPACING_MS, Date.now() + checks.idle.length * (IDLE_SPACING_MS + SAMPLE_TIMEOUT_MS), 'the idle phase');
    await quiet(stack, 'the idle phase');

    say(`loaded: ${LOAD_PER_SECOND} results/s from ${LOAD_CHECKS} other checks for ${LOAD_DURATION_MS / 1_000} s, ${checks.loaded.length} notifications spread over it ...`);
    const loadEnd = Date.now() + LOAD_DURATION_MS;
    const load = startLoad(results, checks.load, perBatch, loadEnd);
    let loaded: Latencies;
    let background: { sent: number; seconds: number };
    try {
      await sleep(1_000);
      loaded = await measureNotifications(stack, checks.loaded, (LOAD_DURATION_MS - 2_000) / checks.loaded.length, loadEnd - 1_000, 'the loaded phase');
      await sleep(Math.max(0, loadEnd - Date.now()));
    } finally {
      background = await load.stop();
    }
    await drained(results, evaluator.running, Date.now() + DRAIN_TIMEOUT_MS, 'the loaded phase');
    await quiet(stack, 'the loaded phase');

    say(`storm: ${STORM_CHECKS} checks down at once, ${STORM_TEAMS} teams, groupWait ${STORM_GROUP_WAIT} ...`);
    const stormFigures = await storm(stack, checks.storm);

    say(`throughput: ${THROUGHPUT_EVENTS} alert events straight onto the alerts queue, each its own group ...`);
    const through = await throughput(stack);
    await quiet(stack, 'the throughput phase');

    const expected = [
      ...[...checks.warmUp, ...checks.idle, ...checks.loaded.slice(0, loaded.latencies.length + loaded.lost), ...checks.storm].map((c) => c.id),
      ...Array.from({ length: THROUGHPUT_EVENTS }, (_, i) => `c${i}`),
    ];
    const problems = audit(receiver, expected);
    const failed = await Promise.all([results, alerts, deliveries, flushes].map(async (q) => [q.name, await q.getFailedCount()] as const));
    for (const [name, count] of failed) if (count > 0) problems.push(`${count} jobs failed on the ${name} queue`);
    if (idle.lost + loaded.lost > 0) problems.push(`lost: ${idle.lost + loaded.lost} latency samples got no notification within ${SAMPLE_TIMEOUT_MS / 1_000} s`);
    if (stormFigures.told < STORM_CHECKS) problems.push(`storm: only ${stormFigures.told} of ${STORM_CHECKS} alerts reached the receiver within ${STORM_TIMEOUT_MS / 1_000} s`);
    if (through.told < THROUGHPUT_EVENTS) problems.push(`throughput: only ${through.told} of ${THROUGHPUT_EVENTS} notifications reached the receiver within ${THROUGHPUT_TIMEOUT_MS / 1_000} s`);

    const row = (phase: string, m: Latencies) => `| ${phase} | ${m.latencies.length}${m.lost > 0 ? ` (+${m.lost} lost)` : ''} | ${ms(percentile(m.latencies, 50))} | ${ms(percentile(m.latencies, 99))} | ${ms(m.latencies.at(-1) ?? Number.NaN)} |`;
    say('');
    say(`command: npm run bench:alerts -- ${process.argv.slice(2).join(' ')}`);
    say(`machine: ${availableParallelism()} cores, load average ${loadAtStart.toFixed(2)} at the start, ${loadavg()[0]!.toFixed(2)} at the end`);
    say(`one evaluator, one notifier, webhook receiver in the bench process; no rules; ${checks.warmUp.length} warm-up notifications not counted; idle samples ${IDLE_SPACING_MS} ms apart; `
      + `background ${LOAD_CHECKS} checks every ${CADENCE_MS} ms in batches of ${perBatch} (sent at ${(background.sent / background.seconds).toFixed(0)} results/s)`);
    say('');
    say('| notification latency (add → webhook received) | notifications | p50 | p99 | max |');
    say('| --- | --- | --- | --- | --- |');
    say(row('services idle', idle));
    say(row(`under ${LOAD_PER_SECOND.toLocaleString('en')} results/s`, loaded));
    say('');
    say(`| storm: ${STORM_CHECKS.toLocaleString('en')} checks down at once, groupBy [team] over ${STORM_TEAMS} teams, groupWait ${STORM_GROUP_WAIT} | |`);
    say('| --- | --- |');
    say(`| results added (${STORM_CHECKS / STORM_BATCH} batches of ${STORM_BATCH}) | ${ms(stormFigures.addMs)} |`);
    say(`| first add → first group notification | ${sec(stormFigures.firstMs)} |`);
    say(`| first add → every alert notified | ${stormFigures.told === STORM_CHECKS ? sec(stormFigures.lastMs) : `not within ${STORM_TIMEOUT_MS / 1_000} s`} |`);
    say(`| messages received (target ${STORM_TEAMS}, one per group) | ${stormFigures.messages} to ${stormFigures.groups} groups, ${stormFigures.distinctIds} distinct webhook-ids |`);
    say(`| alerts carried | ${stormFigures.carried} (${stormFigures.told} distinct of ${STORM_CHECKS}) |`);
    say('');
    say(`notifier throughput: ${through.told} of ${THROUGHPUT_EVENTS} notifications (each its own group, groupWait 0s) in ${through.seconds.toFixed(2)} s from the first add to the last arrival = `
      + `${(through.told / through.seconds).toFixed(0)}/s (events added in ${ms(through.addMs)}); notifier CPU ${through.cpu.toFixed(2)} s `
      + `(${((through.cpu / through.seconds) * 100).toFixed(0)}% of one core, ${((through.cpu / through.told) * 1e3).toFixed(2)} ms per notification)`);
    say(`requests at the receiver: ${receiver.arrivals.length}, distinct webhook-ids: ${new Set(receiver.arrivals.map((a) => a.id)).size}`);
    const notable = evaluator.notable() + notifier.notable();
    if (notable > 0) say(`warning: ${notable} unexpected warnings or errors in the services' logs (the first are on stderr above)`);
    if (problems.length > 0) {
      for (const problem of problems) process.stderr.write(`bench:alerts --notifier: FAILED: ${problem}\n`);
      return 1;
    }
    return 0;
  } catch (err) {
    if (!(err instanceof BenchFailure)) throw err;
    process.stderr.write(`bench:alerts --notifier: FAILED: ${err.message}\n`);
    return 1;
  } finally {
    await cleanup();
  }
}

const ms = (value: number) => (Number.isNaN(value) ? '-' : `${value.toFixed(1)} ms`);
const sec = (valueMs: number) => (Number.isNaN(valueMs) ? '-' : `${(valueMs / 1_000).toFixed(2)} s`);
