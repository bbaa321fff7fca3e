/**
 * `npm run bench:alerts`: how fast a failing probe result becomes an alert, and what the
 * evaluator spends per result, on this machine with its own redis-server and one evaluator
 * process. No scheduler and no probe-workers run: the bench plays the probe-workers and puts
 * ResultBatches on the `results` queue itself, so the figures are the evaluator's alone.
 *
 *   npm run bench:alerts -- --rules none
 *   npm run bench:alerts -- --rules all --alerts 200 --load 1000 --duration 20s
 *   BENCH_EVALUATOR_PROF=/tmp/prof npm run bench:alerts   (also writes the evaluator's CPU profile)
 *
 * 1. Alert latency: from just before `queue.add` of a batch holding one failing result (of a
 *    check with failureThreshold 1 that was up) to the moment both its AlertEvent is waiting
 *    on the `alerts` queue (BullMQ QueueEvents 'waiting', which names the job) and its
 *    fingerprint is in `vigil:alerts:active` (a keyspace notification on that hash, confirmed
 *    with HEXISTS). Both are pushed by Redis the moment they happen, so nothing polls. Every
 *    sample is its own check, so each one fires once and nothing has to resolve in between.
 *    Measured with the evaluator idle, then under `--load` results/s of ok results of other
 *    checks, in batches of one 100 ms probe slot each, as probe-workers send them.
 * 2. Evaluator CPU per result: user+sys of the evaluator process (/proc/<pid>/stat) from the
 *    start of the loaded phase until the results queue is empty again, divided by the results
 *    sent in that time (background and measured).
 *
 * `--rules all` gives every check every evaluator rule (the measured checks all but xOfY,
 * which would change when `down` fires). Before measuring, every check gets `--history` ok
 * results, one cadence (1 s at the defaults) apart and ending when the history starts, so the
 * rules' windows hold what they would in steady state rather than starting empty: by default
 * 240 with --rules all (anomaly's 120 samples, 4 of latency's 5 minutes; the span must stay
 * under noData's 5 minutes or every check would raise NoData), 30 with --rules none (no
 * windows to fill; enough to warm the evaluator up). Alerts other than the measured CheckDowns
 * would distort the figures, so the bench fails if any fire (after the history, and at the end).
 *
 * InfluxDB is not started (INFLUX_URL unset): points are computed but not buffered or written,
 * so the CPU figure is evaluation alone, not comparable with bench:probes' evaluator column.
 */
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { QueueEvents, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { publishConfig } from '../libs/config-sync.js';
import { ConfigError, formatProblem, parseConfig, parseDuration, type CheckConfig } from '../libs/config/index.js';
import { createQueue, createRedis, DEFAULT_REGION, QUEUE_PREFIX, queueName, type ProbeResult, type QueuePayloads } from '../libs/queues/index.js';
import { REDIS_KEYS } from '../libs/redis-keys.js';
import { ensureBinaries, REDIS_SERVER } from '../scripts/local-stack/binaries.js';
import { startRedis } from '../scripts/local-stack/servers.js';
import { alertIdentityOf, CHECK_DOWN } from '../services/evaluator/alert-events.js';
import { cpuSeconds, percentile } from './proc-stats.js';
import { spawnService, startBenchRun, stopService, withTimeout } from './bench-run.js';

/** Width of a probe slot: a probe-worker sends one batch per slot (docs/ARCHITECTURE.md). */
export const SLOT_MS = 100;
/** A sample not complete by then counts as lost: the figures would be wrong, the bench fails. */
const ALERT_TIMEOUT_MS = 10_000;
/** This many lost in a row: alerts are not arriving at all; stop rather than wait out every sample. */
const MAX_LOST_IN_A_ROW = 3;
/** Bounds on waiting for the evaluator: start-up, and the results queue to empty. */
const START_TIMEOUT_MS = 30_000;
const DRAIN_TIMEOUT_MS = 120_000;
/** History is sent this many slot batches at a time, then drained, so Redis never holds it all. */
const HISTORY_CHUNK_BATCHES = 50;
const HISTORY_TIMEOUT_MS = 300_000;
/** noData's `after` in ALL_RULES: a history spanning longer would be stale from its first result. */
const NO_DATA_AFTER_MS = 5 * 60_000;

/** Every evaluator rule (services/evaluator/rules/), as `--rules all` writes them into each check. */
const ALL_RULES = [
  'latency: { p95: 800ms, over: 5m }',
  'certificate: { warn: 21d, critical: 7d }',
  'xOfY: { failures: 3, of: 5 }',
  'flapping: { changes: 5, within: 10m }',
  'noData: { after: 5m }',
  'anomaly: { window: 120, minSamples: 30, threshold: 3 }',
  'trend: { metric: responseTime, above: 800ms, within: 1h, window: 2h }',
];

const say = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export type Batch = QueuePayloads['results'];

interface Settings {
  rules: 'none' | 'all';
  alerts: number;
  load: number;
  loadChecks: number;
  durationMs: number;
  history: number;
}

function readSettings(): Settings {
  const { values } = parseArgs({
    options: {
      rules: { type: 'string', default: 'all' },
      alerts: { type: 'string', default: '200' },
      load: { type: 'string', default: '1000' },
      'load-checks': { type: 'string', default: '1000' },
      duration: { type: 'string', default: '20s' },
      history: { type: 'string' },
    },
  });
  const whole = (name: string, text: string, min: number): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < min) throw new UsageError(`--${name}: expected a whole number >= ${min}, got "${text}"`);
    return value;
  };
  if (values.rules !== 'none' && values.rules !== 'all') throw new UsageError(`--rules: expected none or all, got "${values.rules}"`);
  const durationMs = parseDuration(values.duration);
  if (durationMs === undefined || durationMs < 5_000) throw new UsageError(`--duration: expected a duration of at least 5s, got "${values.duration}"`);
  const settings: Settings = {
    rules: values.rules,
    alerts: whole('alerts', values.alerts, 1),
    load: whole('load', values.load, 10),
    loadChecks: whole('load-checks', values['load-checks'], 1),
    durationMs,
    history: whole('history', values.history ?? (values.rules === 'all' ? '240' : '30'), 1),
  };
  if (settings.rules === 'all' && settings.history * cadenceMs(settings) >= NO_DATA_AFTER_MS) {
    throw new UsageError(`--history ${settings.history} at a ${cadenceMs(settings)} ms cadence spans longer than noData's ${NO_DATA_AFTER_MS / 60_000}m: every check would raise NoData`);
  }
  if (settings.loadChecks < batchSize(settings)) throw new UsageError(`--load-checks must be at least one slot's results (${batchSize(settings)}): a check is probed once per slot at most`);
  return settings;
}

export class UsageError extends Error {}

/** Results in one slot's batch at the --load rate. */
function batchSize(settings: Settings): number {
  return Math.max(1, Math.round((settings.load * SLOT_MS) / 1_000));
}

/** How often each background check is probed at the --load rate: its interval in the configuration. */
function cadenceMs(settings: Settings): number {
  return Math.max(SLOT_MS, Math.round((settings.loadChecks / settings.load) * 1_000));
}

// ---------------------------------------------------------------------------------------------
// Configuration

interface BenchChecks {
  text: string;
  load: CheckConfig[];
  idle: CheckConfig[];
  loaded: CheckConfig[];
}

/**
 * Background checks `l<n>` and measured checks `i<n>` (idle phase) and `m<n>` (loaded phase),
 * all tcp to a loopback port nobody probes. Measured checks go down on one failure; they carry
 * the rules too (but xOfY) so the failing result is evaluated as it would be in production.
 */
function buildConfig(settings: Settings): BenchChecks {
  const interval = `${cadenceMs(settings)}ms`;
  const timeout = `${Math.min(5_000, Math.floor(cadenceMs(settings) / 2))}ms`;
  const lines = ['checks:'];
  const check = (id: string, failureThreshold: number, rules: string[]): void => {
    lines.push(`  - id: ${id}`, '    type: tcp', '    host: 127.0.0.1', '    port: 9', `    interval: ${interval}`, `    timeout: ${timeout}`,
      `    failureThreshold: ${failureThreshold}`, '    successThreshold: 1', ...rules.map((rule) => `    ${rule}`));
  };
  const rules = settings.rules === 'all' ? ALL_RULES : [];
  const measuredRules = rules.filter((rule) => !rule.startsWith('xOfY:'));
  for (let i = 0; i < settings.loadChecks; i++) check(`l${i}`, 3, rules);
  for (let i = 0; i < settings.alerts; i++) check(`i${i}`, 1, measuredRules);
  for (let i = 0; i < settings.alerts; i++) check(`m${i}`, 1, measuredRules);
  const text = `${lines.join('\n')}\n`;
  // The evaluator parses the published text with this same function; parsing here first turns
  // a rejected configuration into a clear message before anything has been started.
  const config = parseConfig(text, process.env, 'bench:alerts configuration');
  const byPrefix = (prefix: string) => config.checks.filter((c) => c.id.startsWith(prefix));
  return { text, load: byPrefix('l'), idle: byPrefix('i'), loaded: byPrefix('m') };
}

// ---------------------------------------------------------------------------------------------
// Results, as probe-workers would send them

/** scheduledAt must grow per check (the state machine ignores a tick it has seen): the last one sent per check. */
const lastTick = new Map<string, number>();

export function resultOf(checkId: string, scheduledAt: number, ok: boolean): ProbeResult {
  const tick = Math.max(scheduledAt, (lastTick.get(checkId) ?? 0) + 1);
  lastTick.set(checkId, tick);
  // Uniform jitter: a spread the anomaly rule sees as normal (never 3 MADs from the median).
  const totalMs = 5 + Math.random() * 10;
  return {
    checkId, checkType: 'tcp', region: DEFAULT_REGION, scheduledAt: tick, startedAt: tick, ok,
    timings: { connectMs: totalMs, totalMs }, workerId: 'bench',
    ...(ok ? {} : { errorClass: 'refused' as const, message: 'connect ECONNREFUSED 127.0.0.1:9' }),
  };
}

export const batchOf = (results: ProbeResult[]): Batch => ({ region: DEFAULT_REGION, results });

/**
 * `rounds` ok results per check, one cadence apart and ending now, sent a chunk of slot
 * batches at a time and drained in between. Warms the evaluator up and fills the rules' windows.
 */
export async function sendHistory(results: Queue<Batch>, running: Running, checks: CheckConfig[], rounds: number, cadence: number, perBatch: number): Promise<number> {
  const start = Date.now() - rounds * cadence;
  const begun = Date.now();
  const deadline = begun + HISTORY_TIMEOUT_MS;
  const total = rounds * checks.length;
  let reportedAt = begun;
  let pending: Array<{ name: string; data: Batch }> = [];
  let sent = 0;
  for (let round = 0; round < rounds; round++) {
    for (let first = 0; first < checks.length; first += perBatch) {
      const slice = checks.slice(first, first + perBatch);
      // Each slot of checks at its own phase of the cadence, as the scheduler spreads them.
      const slotAt = start + round * cadence + Math.floor((first / checks.length) * cadence);
      pending.push({ name: 'results', data: batchOf(slice.map((check) => resultOf(check.id, slotAt, true))) });
      sent += slice.length;
      if (pending.length >= HISTORY_CHUNK_BATCHES) {
        await results.addBulk(pending);
        pending = [];
        await drained(results, running, deadline, 'the history (a smaller --history takes less time)');
        // With every rule the evaluator slows as the windows fill: say how far it got rather than go quiet for minutes.
        if (Date.now() - reportedAt >= 15_000) {
          reportedAt = Date.now();
          say(`  ${sent} of ${total} evaluated, ${(sent / ((reportedAt - begun) / 1_000)).toFixed(0)} results/s so far`);
        }
      }
    }
  }
  if (pending.length > 0) await results.addBulk(pending);
  await drained(results, running, deadline, 'the history (a smaller --history takes less time)');
  return sent;
}

/**
 * Background load: one batch per slot with the next `perBatch` load checks, each probed once
 * per cadence, until stop() or `untilMs`. Catches up on slots a busy event loop delayed, so the
 * rate holds; at most `maxBatches` in all.
 */
export function startLoad(results: Queue<Batch>, checks: CheckConfig[], perBatch: number, untilMs: number): { stop(): Promise<{ sent: number; seconds: number }> } {
  const startedAt = Date.now();
  const maxBatches = Math.ceil((untilMs - startedAt) / SLOT_MS) + 1;
  let batches = 0;
  let sent = 0;
  let cursor = 0;
  let stopped = false;
  let failure: unknown;
  const loop = (async () => {
    while (!stopped && batches < maxBatches && Date.now() < untilMs) {
      const due = Math.min(maxBatches, Math.floor((Date.now() - startedAt) / SLOT_MS) + 1);
      for (; batches < due; batches++) {
        const slotAt = startedAt + batches * SLOT_MS;
        const slice: ProbeResult[] = [];
        for (let i = 0; i < perBatch; i++, cursor = (cursor + 1) % checks.length) slice.push(resultOf(checks[cursor]!.id, slotAt, true));
        await results.add('results', batchOf(slice));
        sent += slice.length;
      }
      await sleep(Math.max(0, startedAt + batches * SLOT_MS - Date.now()));
    }
  })().catch((err: unknown) => { failure = err; });
  return {
    async stop() {
      stopped = true;
      await loop;
      if (failure) throw failure;
      return { sent, seconds: (Date.now() - startedAt) / 1_000 };
    },
  };
}

/** Whether the evaluator process still runs: every wait on it gives up when it does not. */
export type Running = () => boolean;

/** Waits until the results queue holds nothing waiting or active, polled every 50 ms, until `deadline`. */
export async function drained(results: Queue<Batch>, running: Running, deadline: number, what: string): Promise<void> {
  while (Date.now() < deadline && running()) {
    const counts = await results.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'paused');
    if (Object.values(counts).every((count) => count === 0)) return;
    await sleep(50);
  }
  throw new Error(running() ? `the evaluator did not finish ${what} in time` : `the evaluator exited during ${what}`);
}

/**
 * Firing alerts the bench did not ask for, by alertname and check kind ("NoData on l: 1000"):
 * `expectedCheckDowns` names the check kinds whose CheckDown is a measured sample.
 */
async function unexpectedAlerts(admin: Redis, expectedCheckDowns: string[]): Promise<string[]> {
  const counts = new Map<string, number>();
  for (const text of Object.values(await admin.hgetall(REDIS_KEYS.activeAlerts))) {
    const { labels } = JSON.parse(text) as { labels: Record<string, string> };
    const kind = (labels.check ?? '?').charAt(0);
    if (labels.alertname === CHECK_DOWN && expectedCheckDowns.includes(kind)) continue;
    const key = `${labels.alertname ?? '?'} on ${kind}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, count]) => `${key}: ${count}`);
}

// ---------------------------------------------------------------------------------------------
// Alert latency

interface Pending {
  fingerprint: string;
  jobPrefix: string;
  queuedAt?: number;
  storedAt?: number;
  done: () => void;
}

/**
 * Sees each alert arrive: QueueEvents on `alerts` (the job id starts with the fingerprint and
 * status, see queueAlerts) and keyspace notifications on the active-alerts hash, which carry
 * the command but not the field, hence HEXISTS of the one fingerprint awaited. One alert is
 * awaited at a time, so every event is matched to it without ambiguity.
 */
async function startAlertWatch(redisUrl: string, port: number, admin: Redis) {
  let pending: Pending | undefined;
  const settle = (p: Pending) => {
    if (p.queuedAt !== undefined && p.storedAt !== undefined) p.done();
  };
  const events = new QueueEvents(queueName('alerts'), { connection: { host: '127.0.0.1', port, maxRetriesPerRequest: null }, prefix: QUEUE_PREFIX });
  events.on('waiting', ({ jobId }) => {
    const at = performance.now();
    if (pending && pending.queuedAt === undefined && jobId.startsWith(pending.jobPrefix)) {
      pending.queuedAt = at;
      settle(pending);
    }
  });
  const subscriber = createRedis(redisUrl);
  subscriber.on('message', (_channel: string, command: string) => {
    const at = performance.now();
    const p = pending;
    if (!p || p.storedAt !== undefined || command !== 'hset') return;
    // Notifications come after the MULTI ran, so HEXISTS sees what the HSET wrote.
    void admin.hexists(REDIS_KEYS.activeAlerts, p.fingerprint).then((exists) => {
      if (exists === 1 && pending === p && p.storedAt === undefined) {
        p.storedAt = at;
        settle(p);
      }
    });
  });
  await subscriber.subscribe(`__keyspace@0__:${REDIS_KEYS.activeAlerts}`);
  await events.waitUntilReady();

  return {
    /** Milliseconds from queue.add to stored and queued; without them (not both within ALERT_TIMEOUT_MS), which of the two was seen. */
    async fire(results: Queue<Batch>, check: CheckConfig): Promise<{ latencyMs?: number; queued: boolean; stored: boolean }> {
      // The identity the evaluator gives the check's CheckDown alert: its fingerprint names the job and the hash field.
      const { fingerprint } = alertIdentityOf(check, DEFAULT_REGION, 0);
      let timer: NodeJS.Timeout | undefined;
      let p: Pending | undefined;
      const complete = new Promise<boolean>((done) => {
        p = { fingerprint, jobPrefix: `${fingerprint}|firing|`, done: () => done(true) };
        timer = setTimeout(() => done(false), ALERT_TIMEOUT_MS);
      });
      pending = p;
      try {
        const sentAt = performance.now();
        await results.add('results', batchOf([resultOf(check.id, Date.now(), false)]));
        const arrived = await complete;
        return {
          ...(arrived ? { latencyMs: Math.max(p!.queuedAt!, p!.storedAt!) - sentAt } : {}),
          queued: p!.queuedAt !== undefined,
          stored: p!.storedAt !== undefined,
        };
      } finally {
        clearTimeout(timer);
        pending = undefined;
      }
    },
    async close(): Promise<void> {
      await events.close();
      await subscriber.quit();
    },
  };
}

type AlertWatch = Awaited<ReturnType<typeof startAlertWatch>>;

/**
 * Fires one alert per check, the i-th at a random point of its own `spacingMs` slot (so the
 * samples do not lock onto the background batches' rhythm), never two at once, none after `deadline`.
 */
async function measureAlerts(watch: AlertWatch, results: Queue<Batch>, running: Running, checks: CheckConfig[], spacingMs: number, deadline: number) {
  const latencies: number[] = [];
  let lost = 0;
  let lostInARow = 0;
  const start = Date.now();
  for (let i = 0; i < checks.length; i++) {
    await sleep(Math.max(0, start + (i + Math.random() * 0.5) * spacingMs - Date.now()));
    if (Date.now() >= deadline || !running()) break;
    const sample = await watch.fire(results, checks[i]!);
    if (sample.latencyMs !== undefined) {
      latencies.push(sample.latencyMs);
      lostInARow = 0;
      continue;
    }
    lost++;
    if (++lostInARow >= MAX_LOST_IN_A_ROW) {
      const seen = `queued on ${queueName('alerts')}: ${sample.queued ? 'yes' : 'no'}, stored in ${REDIS_KEYS.activeAlerts}: ${sample.stored ? 'yes' : 'no'}`;
      throw new Error(`${lostInARow} alerts in a row did not arrive within ${ALERT_TIMEOUT_MS} ms (the last one: ${seen})`);
    }
  }
  if (!running()) throw new Error('the evaluator exited while alerts were measured');
  return { latencies: latencies.sort((a, b) => a - b), lost, attempted: latencies.length + lost };
}

// ---------------------------------------------------------------------------------------------
// The evaluator process

/** BENCH_EVALUATOR_PROF=DIR writes the evaluator's CPU profile (node --cpu-prof) into DIR. */
function profileFlags(): string[] {
  const dir = process.env.BENCH_EVALUATOR_PROF;
  return dir ? ['--cpu-prof', '--cpu-prof-dir', dir] : [];
}

// Expected warnings: every measured alert logs "check is down", and InfluxDB is left out on purpose.
const expectedEvaluatorWarning = (msg: string): boolean => msg === 'check is down' || msg.startsWith('INFLUX_URL is not set');

/** SIGTERM, so it finishes its batch and closes as in production; the reaper kills it if it hangs. */

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const settings = readSettings();
  let checks: BenchChecks;
  try {
    checks = buildConfig(settings);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // The same problem repeats for every one of the 1,000+ generated checks: the first few say it.
    const shown = err.problems.slice(0, 10).map((problem) => `  ${formatProblem(problem)}`);
    const more = err.problems.length > shown.length ? [`  ... and ${err.problems.length - shown.length} more problems`] : [];
    process.stderr.write(`bench:alerts: the configuration is rejected (--rules ${settings.rules}), as the evaluator would reject it:\n${[...shown, ...more].join('\n')}\n`);
    return 1;
  }
  ensureBinaries([REDIS_SERVER]);
  const loadAtStart = loadavg()[0]!;

  const { reaper, dir, closers, cleanup } = startBenchRun('bench:alerts');

  try {
    // Keyspace notifications for hash commands only (K: keyspace channel, h: hash commands),
    // so the alert store's HSET is pushed to the bench instead of being polled for.
    const redis = await startRedis({
      dataDir: join(dir, 'redis'),
      extraArgs: ['--notify-keyspace-events', 'Kh'],
      onSpawn: (child) => reaper.watch(child.pid, 'term'),
    });
    const admin = createRedis(redis.url);
    closers.push(() => admin.quit().then(() => undefined));
    const results = createQueue('results', admin);
    closers.push(() => results.close());

    // Published as the watcher publishes it; VIGIL_CONFIG names a file that does not exist, so the
    // evaluator takes the published copy (an unset VIGIL_CONFIG would read ./vigil.yaml if there is one).
    await publishConfig(admin, checks.text, 'bench:alerts');
    const evaluator = spawnService('evaluator', { REDIS_URL: redis.url, VIGIL_CONFIG: join(dir, 'published-in-redis.yaml'), INFLUX_URL: '' }, reaper, expectedEvaluatorWarning, profileFlags());
    closers.push(() => stopService(evaluator.child));
    try {
      await withTimeout('evaluator start-up', evaluator.started, START_TIMEOUT_MS);
    } catch (err) {
      process.stderr.write(`bench:alerts: ${(err as Error).message}\n`);
      return 1;
    }
    const pid = evaluator.child.pid!;
    const running: Running = evaluator.running;
    const watch = await startAlertWatch(redis.url, redis.port, admin);
    closers.push(() => watch.close());

    const perBatch = batchSize(settings);
    const cadence = cadenceMs(settings);
    const everyCheck = [...checks.load, ...checks.idle, ...checks.loaded];
    say(`history: ${settings.history} ok results for each of ${everyCheck.length} checks, one ${cadence} ms cadence apart ...`);
    const historyStart = Date.now();
    const historyResults = await sendHistory(results, running, everyCheck, settings.history, cadence, perBatch);
    const historySeconds = (Date.now() - historyStart) / 1_000;
    // Only ok results so far: any alert now is a rule misfiring on the bench's data, not a sample.
    const afterHistory = await unexpectedAlerts(admin, []);
    if (afterHistory.length > 0) throw new Error(`alerts fired during the history, which holds only ok results (${afterHistory.join(', ')})`);

    say(`idle: ${checks.idle.length} alerts, one at a time ...`);
    const idleSpacing = 50;
    const idle = await measureAlerts(watch, results, running, checks.idle, idleSpacing, Date.now() + checks.idle.length * (idleSpacing + ALERT_TIMEOUT_MS));

    say(`loaded: ${settings.load} results/s from ${settings.loadChecks} other checks for ${settings.durationMs / 1_000} s, ${checks.loaded.length} alerts spread over it ...`);
    const cpuStart = cpuSeconds(pid);
    const loadStart = Date.now();
    const loadEnd = loadStart + settings.durationMs;
    const load = startLoad(results, checks.load, perBatch, loadEnd);
    // One second of load before the first alert and one after the last, so each meets steady load.
    await sleep(1_000);
    const loaded = await measureAlerts(watch, results, running, checks.loaded, (settings.durationMs - 2_000) / checks.loaded.length, loadEnd - 1_000);
    await sleep(Math.max(0, loadEnd - Date.now()));
    const background = await load.stop();
    await drained(results, running, Date.now() + DRAIN_TIMEOUT_MS, 'the loaded phase');
    const cpuUsed = cpuSeconds(pid) - cpuStart;
    const windowSeconds = (Date.now() - loadStart) / 1_000;
    const evaluated = background.sent + loaded.attempted;
    const failedJobs = await results.getFailedCount();
    const stray = await unexpectedAlerts(admin, ['i', 'm']);

    const row = (phase: string, m: typeof idle) => `| ${phase} | ${m.latencies.length}${m.lost > 0 ? ` (+${m.lost} lost)` : ''} | ${ms(percentile(m.latencies, 50))} | ${ms(percentile(m.latencies, 99))} | ${ms(m.latencies.at(-1) ?? Number.NaN)} |`;
    say('');
    say(`command: npm run bench:alerts -- ${process.argv.slice(2).join(' ') || '(defaults)'}`);
    // Other work on the machine shows in every figure: say how busy it was.
    say(`machine: ${availableParallelism()} cores, load average ${loadAtStart.toFixed(2)} at the start, ${loadavg()[0]!.toFixed(2)} at the end`);
    say(`rules ${settings.rules}; history ${settings.history} results per check (${historyResults} in ${historySeconds.toFixed(1)} s); background ${settings.loadChecks} checks every ${cadence} ms in batches of ${perBatch}`);
    say('');
    say('| alert latency (add → stored and queued) | alerts | p50 | p99 | max |');
    say('| --- | --- | --- | --- | --- |');
    say(row('evaluator idle', idle));
    say(row(`under ${settings.load.toLocaleString('en')} results/s`, loaded));
    say('');
    say(`evaluator CPU: ${((cpuUsed / evaluated) * 1e6).toFixed(1)} µs per result (${cpuUsed.toFixed(2)} s for ${evaluated} results in ${windowSeconds.toFixed(1)} s, `
      + `${((cpuUsed / windowSeconds) * 100).toFixed(0)}% of one core; background sent at ${(background.sent / background.seconds).toFixed(0)} results/s)`);
    if (failedJobs > 0) say(`warning: ${failedJobs} result batches failed in the evaluator`);
    if (stray.length > 0) say(`warning: alerts the bench did not ask for fired, and their work is in the figures (${stray.join(', ')})`);
    return idle.lost + loaded.lost + failedJobs + stray.length > 0 ? 1 : 0;
  } finally {
    await cleanup();
  }
}

const ms = (value: number) => (Number.isNaN(value) ? '-' : `${value.toFixed(1)} ms`);

// `--notifier`: the notifier part (bench/notifications.ts, which reuses the helpers exported here).
const run = process.argv.slice(2).includes('--notifier')
  ? () => import('./notifications.js').then(({ notifierBench }) => notifierBench())
  : main;
run().then((code) => process.exit(code), (err: unknown) => {
  process.stderr.write(err instanceof UsageError ? `bench:alerts: ${err.message}\n` : `bench failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
