/**
 * `npm run bench:api`: the api service's figures on this machine (issue 11).
 *
 *   npm run bench:api
 *   npm run bench:api -- --duration 5s --list-connections 4 --ping-connections 40
 *   BENCH_API_PROF=/tmp/prof npm run bench:api   (also writes the api's CPU profile there)
 *
 * Its own redis-server and one api process (services/api/main.ts, pinned to core 1 with taskset
 * when there are two cores or more; the bench, which generates the load with autocannon, to
 * core 0). The configuration has 10,000 checks: 8,000 http checks on 127.0.0.1 targets that are
 * never probed (no scheduler or probe-worker runs) and 2,000 heartbeat checks; every subject has
 * an evaluator state (REDIS_KEYS.checkState) and a newest transition (REDIS_KEYS.stateHistory),
 * as the evaluator leaves them, so the list is what a real one would be.
 *
 * 1. list: GET /api/v1/checks with a read token, --list-connections at once for --duration:
 *    requests/s, p50 and p99 latency, the response's size. Target: p99 < 100 ms.
 * 2. ping: GET /api/v1/ping/TOKEN, each request the next of the 2,000 heartbeat tokens (from
 *    GET /checks/:id/ping-url), --ping-connections at once for --duration. The rate limit is
 *    the default (60 per token and minute): 2,000 tokens allow 120,000 pings a window, more than
 *    the bench makes, so every ping should be answered 200 (the 429s are counted and printed).
 *    Target: >= 5,000 pings/s on one core.
 * For each, the api's CPU use (user + system from /proc/<pid>/stat) over the run.
 *
 * Every run is bounded in time; every process it starts is stopped with it (reaper).
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';
import { createRedis } from '../libs/queues/index.js';
import { parseConfig, parseDuration } from '../libs/config/index.js';
import { REDIS_KEYS } from '../libs/redis-keys.js';
import { ensureBinaries, REDIS_SERVER } from '../scripts/local-stack/binaries.js';
import { forEachLine } from '../scripts/local-stack/lines.js';
import { startRedis } from '../scripts/local-stack/servers.js';
import { startBenchRun, stopService, withTimeout } from './bench-run.js';
import { cpuSeconds } from './proc-stats.js';

const ROOT = resolve(import.meta.dirname, '..');
const HTTP_CHECKS = 8_000;
const HEARTBEAT_CHECKS = 2_000;
const START_TIMEOUT_MS = 60_000;
const SEED_CHUNK = 1_000;
const API_CORE = 1;
const GENERATOR_CORE = 0;

/** The parts of autocannon's (untyped) programmatic API the bench uses. */
interface CannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number; max: number };
  throughput: { average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodeStats: Record<string, { count: number }>;
  duration: number;
}
type Cannon = (options: Record<string, unknown>) => Promise<CannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Cannon;

const say = (line: string) => process.stdout.write(`${line}\n`);
const n = (value: number) => Math.round(value).toLocaleString('en');

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10s' },
    'list-connections': { type: 'string', default: '4' },
    'ping-connections': { type: 'string', default: '40' },
  },
});
const durationMs = parseDuration(values.duration);
if (durationMs === undefined || durationMs < 1_000 || durationMs > 120_000) throw new Error(`--duration: expected 1s to 2m, got "${values.duration}"`);
const listConnections = Number(values['list-connections']);
const pingConnections = Number(values['ping-connections']);

function freePort(): Promise<number> {
  return new Promise((done, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => done(port));
    });
  });
}

function configText(): string {
  const lines = ['api:', '  tokens:', '    - { id: ops, token: "${BENCH_ADMIN}", scope: admin }', '    - { id: board, token: "${BENCH_READER}", scope: read }', 'checks:'];
  for (let i = 0; i < HTTP_CHECKS; i++) {
    lines.push(`  - { id: web-${i}, type: http, url: "http://127.0.0.1:9/app/${i}/healthz", interval: 30s, labels: { team: team-${i % 20}, tier: t${i % 3} } }`);
  }
  for (let i = 0; i < HEARTBEAT_CHECKS; i++) lines.push(`  - { id: job-${i}, type: heartbeat, period: 1h, grace: 5m }`);
  return `${lines.join('\n')}\n`;
}

const run = startBenchRun('bench:api');
let failed = false;
try {
  ensureBinaries([REDIS_SERVER]);
  const pinned = availableParallelism() >= 2;
  if (pinned) execFileSync('taskset', ['-p', '-c', String(GENERATOR_CORE), String(process.pid)], { stdio: 'ignore' });

  const redisServer = await startRedis({ dataDir: join(run.dir, 'redis'), onSpawn: (child) => run.reaper.watch(child.pid, 'term') });
  const redis = createRedis(redisServer.url);
  run.closers.push(() => redis.quit().then(() => undefined));

  const env = { BENCH_ADMIN: randomBytes(24).toString('hex'), BENCH_READER: randomBytes(24).toString('hex') };
  const text = configText();
  const configPath = join(run.dir, 'vigil.yaml');
  writeFileSync(configPath, text);
  const config = parseConfig(text, env, configPath);

  // Seeded as the evaluator leaves them: a state per subject and its newest transition.
  const nowMs = Date.now();
  const subjects = config.checks.flatMap((check) => check.regions.map((region) => `${check.id}@${region}`));
  for (let start = 0; start < subjects.length; start += SEED_CHUNK) {
    const pipeline = redis.pipeline();
    subjects.slice(start, start + SEED_CHUNK).forEach((subject, offset) => {
      const index = start + offset;
      const down = index % 50 === 0;
      const state = down
        ? { status: 'down', failingSince: nowMs - 600_000, lastMessage: 'connect ECONNREFUSED 127.0.0.1:9' }
        : { status: 'up', sinceMs: nowMs - 3_600_000, consecutiveSuccesses: 12, consecutiveFailures: 0 };
      pipeline.set(REDIS_KEYS.checkState(subject), JSON.stringify(state));
      pipeline.lpush(REDIS_KEYS.stateHistory(subject), JSON.stringify({ subject, atMs: nowMs - (down ? 600_000 : 3_600_000), from: down ? 'up' : 'pending', to: down ? 'down' : 'up', reason: down ? 'failureThreshold' : 'successThreshold' }));
    });
    await pipeline.exec();
  }
  say(`seeded ${n(subjects.length)} subjects of ${n(config.checks.length)} checks (${n(HTTP_CHECKS)} http, ${n(HEARTBEAT_CHECKS)} heartbeat)`);

  const port = await freePort();
  const command = pinned ? 'taskset' : process.execPath;
  const args = [...(pinned ? ['-c', String(API_CORE), process.execPath] : []), ...(process.env.BENCH_API_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_API_PROF] : []), '--import', 'tsx', 'services/api/main.ts'];
  const api = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...env, LOG_LEVEL: 'info', REDIS_URL: redisServer.url, VIGIL_CONFIG: configPath, API_PORT: String(port), INFLUX_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  run.reaper.watch(api.pid, 'term');
  run.closers.push(() => stopService(api));
  const started = new Promise<void>((done, reject) => {
    api.once('exit', (code) => reject(new Error(`the api exited during start-up (code ${code})`)));
    for (const stream of [api.stdout!, api.stderr!]) {
      forEachLine(stream, (line) => {
        if (line.includes('"msg":"started"')) done();
        else if (/"level":(50|60)/.test(line) || !line.startsWith('{')) process.stderr.write(`[api] ${line.slice(0, 400)}\n`);
      });
    }
  });
  await withTimeout('api start-up', started, START_TIMEOUT_MS);
  const base = `http://127.0.0.1:${port}`;
  say(`api on ${base}${pinned ? `, pinned to core ${API_CORE} (load generator on core ${GENERATOR_CORE})` : ' (one core: not pinned)'}`);

  const readHeaders = { authorization: `Bearer ${env.BENCH_READER}` };
  const listResponse = await fetch(`${base}/api/v1/checks`, { headers: readHeaders });
  const listBody = await listResponse.text();
  if (listResponse.status !== 200) throw new Error(`GET /api/v1/checks answered ${listResponse.status}: ${listBody.slice(0, 200)}`);
  const listed = (JSON.parse(listBody) as { checks: unknown[] }).checks.length;
  say(`list: ${n(listed)} checks, ${(Buffer.byteLength(listBody) / 1_048_576).toFixed(2)} MB per response`);

  const measure = async (what: string, options: Record<string, unknown>): Promise<CannonResult> => {
    const cpuBefore = cpuSeconds(api.pid!);
    const result = await autocannon({ duration: durationMs / 1_000, timeout: 10, ...options });
    const cpu = (cpuSeconds(api.pid!) - cpuBefore) / (result.duration || durationMs / 1_000);
    const statuses = Object.entries(result.statusCodeStats).map(([status, { count }]) => `${status}: ${n(count)}`).join(', ');
    say(`${what}: ${n(result.requests.average)} requests/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms; api CPU ${(cpu * 100).toFixed(0)}% of a core; ${statuses}; errors ${result.errors}, timeouts ${result.timeouts}`);
    return result;
  };

  await measure(`list (${listConnections} connections, ${values.duration})`, { url: `${base}/api/v1/checks`, connections: listConnections, headers: readHeaders });

  const adminHeaders = { authorization: `Bearer ${env.BENCH_ADMIN}` };
  const paths: string[] = [];
  for (let i = 0; i < HEARTBEAT_CHECKS; i++) {
    const answer = await fetch(`${base}/api/v1/checks/job-${i}/ping-url`, { headers: adminHeaders });
    if (answer.status !== 200) throw new Error(`GET /checks/job-${i}/ping-url answered ${answer.status}`);
    paths.push(((await answer.json()) as { path: string }).path);
  }
  let next = 0;
  const ping = await measure(`ping (${pingConnections} connections, ${values.duration}, ${n(paths.length)} tokens)`, {
    url: base, connections: pingConnections,
    requests: [{ method: 'GET', setupRequest: (request: Record<string, unknown>) => ({ ...request, path: paths[next++ % paths.length] }) }],
  });
  say(`ping: ${n(ping.requests.total - ping.non2xx)} answered 200 of ${n(ping.requests.total)}`);
  if (ping.non2xx > 0) failed = true;
} catch (err) {
  failed = true;
  process.stderr.write(`bench:api failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
} finally {
  await run.cleanup();
}
process.exit(failed ? 1 : 0);
