/**
 * `npm run queues` against real queues on a private Redis database: jobs really fail in a
 * real Worker, so counts, failed listings and retries are BullMQ's own, not mocks.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { publishConfig, recordRejectedConfig } from '../../libs/config-sync.js';
import { createQueue, createRedis, createWorker, type AlertEvent, type ProbeSlotJob } from '../../libs/queues/index.js';
import { execute, parseCommand, UsageError } from '../../scripts/queues/cli.js';
import { failedJobs, queueStats, retryFailed, type ConfigReport, type QueueStats } from '../../scripts/queues/commands.js';
import { discoverQueues } from '../../scripts/queues/discover.js';
import { formatFailed, formatRetry, formatStats, table } from '../../scripts/queues/format.js';
import { eventually, isolatedRedisUrl } from '../support/infra.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const REASON = 'target exploded';

function probe(checkId: string): ProbeSlotJob {
  return { region: 'eu', intervalMs: 30_000, leadMs: 0, checks: [{ id: checkId, specHash: 'test', phaseMs: 0 }] };
}

const ALERT: AlertEvent = { fingerprint: 'f', status: 'firing', labels: {}, annotations: {}, startsAt: new Date(0).toISOString() };

let redisUrl: string;
/** Producers and the worker use service connections; the commands use a fail-fast CLI one, as in the script. */
let producer: Redis;
let cli: Redis;

const statsOf = async (name: string): Promise<QueueStats | undefined> => (await queueStats(cli, [name]))[0];

beforeAll(async () => {
  redisUrl = await isolatedRedisUrl();
  producer = createRedis(redisUrl);
  cli = createRedis(redisUrl, 'cli');
});

afterAll(async () => {
  producer?.disconnect();
  cli?.disconnect();
});

/**
 * Every test that reads queues starts from an empty database holding exactly this, so no
 * test sees what another did (retrying, for one, moves the failed jobs):
 * probes-eu: 3 jobs that failed every attempt, 2 that succeeded, 1 delayed for an hour;
 * probes-us exists but is empty; alerts has one job scheduler and nothing consuming it.
 */
async function seedQueues(): Promise<void> {
  await producer.flushdb();
  const probesEu = createQueue('probes', producer, 'eu');
  const probesUs = createQueue('probes', producer, 'us');
  const alerts = createQueue('alerts', producer);
  try {
    await probesEu.addBulk(['bad-1', 'bad-2', 'bad-3', 'good-1', 'good-2'].map((id) => ({ name: 'probe', data: probe(id) })));
    await probesEu.add('probe', probe('later'), { delay: 3_600_000 });
    await probesUs.waitUntilReady();
    await alerts.upsertJobScheduler('heartbeat', { every: 3_600_000 }, { name: 'heartbeat', data: ALERT });

    const worker = createWorker('probes', producer, async (data) => {
      if (data.checks[0]!.id.startsWith('bad')) throw new Error(REASON);
    }, { region: 'eu', backoffBaseMs: 10 });
    worker.on('error', () => {});
    try {
      await eventually('3 failed and 2 completed probes', async () => {
        const counts = await probesEu.getJobCounts('failed', 'completed');
        return counts.failed === 3 && counts.completed === 2;
      });
    } finally {
      // Stopped, so that retried jobs stay in waiting where the tests can see them.
      await worker.close();
    }
  } finally {
    await Promise.all([probesEu.close(), probesUs.close(), alerts.close()]);
  }
}

describe('discovering queues', () => {
  beforeEach(seedQueues);

  it('finds every probes-<region> queue in Redis, then the fixed queues in pipeline order', async () => {
    expect(await discoverQueues(cli)).toEqual(['probes-eu', 'probes-us', 'results', 'alerts', 'group-flushes', 'deliveries']);
  });
});

describe('stats', () => {
  beforeEach(seedQueues);

  it('counts the jobs of a queue in each state', async () => {
    expect(await statsOf('probes-eu')).toEqual({
      name: 'probes-eu', waiting: 0, active: 0, delayed: 1, completed: 2, failed: 3, schedulers: 0, paused: false,
    });
  });

  it('counts job schedulers', async () => {
    expect(await statsOf('alerts')).toMatchObject({ schedulers: 1, failed: 0 });
  });

  it('shows a fixed queue that has never been used as empty, without creating it', async () => {
    expect(await statsOf('results')).toMatchObject({ waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0, schedulers: 0 });
    expect(await cli.keys('vigilq:results:*')).toEqual([]);
  });

  it('prints a table with one row per queue', async () => {
    const lines = (await execute(parseCommand(['stats']), cli)).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^QUEUE\s+WAITING\s+ACTIVE\s+DELAYED\s+COMPLETED\s+FAILED\s+SCHEDULERS$/);
    expect(lines.slice(1).map((line) => line.split(/\s+/))).toContainEqual(['probes-eu', '0', '0', '1', '2', '3', '0']);
    expect(lines).toHaveLength(7);
  });

  it('prints JSON with --json', async () => {
    const output = JSON.parse(await execute(parseCommand(['stats', '--json']), cli)) as { queues: QueueStats[] };
    expect(output.queues.map((queue) => queue.name)).toEqual(['probes-eu', 'probes-us', 'results', 'alerts', 'group-flushes', 'deliveries']);
    expect(output.queues[0]).toMatchObject({ name: 'probes-eu', failed: 3, completed: 2, delayed: 1 });
  });
});

describe('failed', () => {
  beforeEach(seedQueues);

  it('lists failed jobs with id, attempts, reason and finish time', async () => {
    const listing = await failedJobs(cli, 'probes-eu', 20);
    expect(listing.total).toBe(3);
    expect(listing.jobs).toHaveLength(3);
    for (const job of listing.jobs) {
      expect(job).toMatchObject({ id: expect.any(String), name: 'probe', attempts: 2, maxAttempts: 2, failedReason: REASON });
      expect(job.finishedOn).toBeGreaterThan(Date.now() - 60_000);
    }
  });

  it('stops at --limit, keeping the total', async () => {
    const listing = JSON.parse(await execute(parseCommand(['failed', 'probes-eu', '--limit', '2', '--json']), cli)) as { total: number; jobs: unknown[] };
    expect(listing).toMatchObject({ queue: 'probes-eu', total: 3 });
    expect(listing.jobs).toHaveLength(2);
  });

  it('prints a table saying how many are shown', async () => {
    const text = await execute(parseCommand(['failed', 'probes-eu', '--limit', '2']), cli);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('probes-eu: 3 failed (newest 2 shown)');
    expect(lines[1]).toMatch(/^ID\s+ATTEMPTS\s+FINISHED\s+REASON$/);
    expect(lines[2]).toMatch(new RegExp(`\\s2/2\\s+\\d{4}-\\d\\d-\\d\\dT\\S+Z\\s+${REASON}$`));
  });

  it('says so when a queue has no failed jobs', async () => {
    expect(await execute(parseCommand(['failed', 'deliveries']), cli)).toBe('deliveries: no failed jobs\n');
  });

  it('rejects a queue that does not exist, naming the known ones', async () => {
    await expect(execute(parseCommand(['failed', 'probes-mars']), cli)).rejects.toThrow(UsageError);
    await expect(execute(parseCommand(['failed', 'probes-mars']), cli)).rejects.toThrow(/unknown queue "probes-mars" \(known: probes-eu, probes-us, results/);
  });
});

describe('the CLI', () => {
  beforeEach(seedQueues);

  function queuesCli(args: string[], url: string): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/queues.ts', ...args], {
      cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH, REDIS_URL: url }, timeout: 20_000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  it('prints the stats table and exits 0', () => {
    const run = queuesCli(['stats'], redisUrl);
    expect(run).toMatchObject({ status: 0, stderr: '' });
    expect(run.stdout).toMatch(/^QUEUE\s+WAITING/);
    expect(run.stdout).toMatch(/^probes-eu\s+0\s+0\s+1\s+2\s+3\s+0$/m);
  });

  it('prints JSON with --json', () => {
    const run = queuesCli(['failed', 'probes-eu', '--json'], redisUrl);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ queue: 'probes-eu', total: 3 });
  });

  it.each([
    [['frobnicate'], /unknown command "frobnicate"/],
    [['failed', 'nowhere'], /unknown queue "nowhere"/],
  ])('exits 2 with usage for %j', (args, message) => {
    const run = queuesCli(args, redisUrl);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toContain('usage: npm run queues');
  });

  it('exits 1 quickly when Redis cannot be reached', () => {
    const started = Date.now();
    const run = queuesCli(['stats'], 'redis://127.0.0.1:1');
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1.*ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('retry', () => {
  beforeEach(seedQueues);

  it('moves every failed job back to waiting and says how many', async () => {
    expect(await retryFailed(cli, 'probes-eu')).toEqual({ queue: 'probes-eu', retried: 3 });
    expect(await statsOf('probes-eu')).toMatchObject({ waiting: 3, failed: 0, completed: 2, delayed: 1 });
  });

  it('retries nothing the second time', async () => {
    expect(JSON.parse(await execute(parseCommand(['retry', 'probes-eu', '--json']), cli))).toEqual({ queue: 'probes-eu', retried: 3 });
    expect(JSON.parse(await execute(parseCommand(['retry', 'probes-eu', '--json']), cli))).toEqual({ queue: 'probes-eu', retried: 0 });
  });

  it('prints a sentence in text mode', async () => {
    expect(await execute(parseCommand(['retry', 'alerts']), cli)).toBe('alerts: moved 0 failed jobs back to waiting\n');
  });
});

/** Two checks, one watch, two channels; `${HOOK_URL}` is unset where the CLI runs, as it often is. */
const RUNNING_CONFIG = `checks:
  - { id: shop, type: tcp, host: 127.0.0.1, port: 1 }
  - { id: api, type: tcp, host: 127.0.0.1, port: 2 }
watches:
  - { id: backups, paths: [/var/backups], maxAge: 26h }
channels:
  - { id: hook, type: webhook, url: "\${HOOK_URL}" }
  - { id: audit, type: log }
`;
const PROBLEM = 'checks[0].interval: expected a duration like "30s", got "thirty" (line 2)';

describe('config', () => {
  /** The second accepted edit is running; a later edit was rejected. */
  async function seedConfig(): Promise<{ sha: string; rejectedAtMs: number }> {
    await producer.flushdb();
    await publishConfig(producer, 'checks: []\n', '/etc/vigil/vigil.yaml');
    const sha = await publishConfig(producer, RUNNING_CONFIG, '/etc/vigil/vigil.yaml');
    const rejectedAtMs = Date.parse('2026-12-03T12:00:00.000Z');
    await recordRejectedConfig(producer, { sha: 'badbadbadbadbad0', source: '/etc/vigil/vigil.yaml', atMs: rejectedAtMs, problems: [PROBLEM, 'channels[0].url: expected a URL'] });
    return { sha, rejectedAtMs };
  }

  it('shows the running version, sha, source, accepted time and section counts', async () => {
    const { sha } = await seedConfig();
    const lines = (await execute(parseCommand(['config']), cli)).split('\n');
    expect(lines.slice(0, 4)).toEqual([
      `running configuration: version 2, sha ${sha}`,
      '  source:       /etc/vigil/vigil.yaml',
      expect.stringMatching(/^ {2}accepted at: {2}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      '  2 checks, 1 watch, 2 channels',
    ]);
  });

  it('shows the last rejected edit with each problem', async () => {
    await seedConfig();
    const lines = (await execute(parseCommand(['config']), cli)).trimEnd().split('\n');
    expect(lines.slice(4)).toEqual([
      'last rejected edit: sha badbadbadbadbad0 at 2026-12-03T12:00:00.000Z (/etc/vigil/vigil.yaml), still running the configuration above',
      `  ${PROBLEM}`,
      '  channels[0].url: expected a URL',
    ]);
  });

  it('prints JSON with --json', async () => {
    const { sha, rejectedAtMs } = await seedConfig();
    const report = JSON.parse(await execute(parseCommand(['config', '--json']), cli)) as ConfigReport;
    expect(report).toEqual({
      running: { version: 2, sha, source: '/etc/vigil/vigil.yaml', acceptedAt: expect.any(String), checks: 2, watches: 1, channels: 2 },
      rejected: { sha: 'badbadbadbadbad0', source: '/etc/vigil/vigil.yaml', at: new Date(rejectedAtMs).toISOString(), problems: [PROBLEM, 'channels[0].url: expected a URL'] },
    });
  });

  it('says so when no configuration has been published', async () => {
    await producer.flushdb();
    expect(await execute(parseCommand(['config']), cli)).toBe('no configuration published yet (is the watcher running?)\n');
  });

  it('shows no rejected edit once an edit is accepted again', async () => {
    await seedConfig();
    await publishConfig(producer, RUNNING_CONFIG.replace('port: 2', 'port: 3'), '/etc/vigil/vigil.yaml');
    const text = await execute(parseCommand(['config']), cli);
    expect(text).toMatch(/^running configuration: version 3,/);
    expect(text).not.toContain('rejected');
  });

  it('prints the running configuration from the command line and exits 0', async () => {
    const { sha } = await seedConfig();
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/queues.ts', 'config'], {
      cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH, REDIS_URL: redisUrl }, timeout: 20_000,
    });
    expect(run).toMatchObject({ status: 0, stderr: '' });
    expect(run.stdout).toContain(`running configuration: version 2, sha ${sha}`);
    expect(run.stdout).toContain(`  ${PROBLEM}`);
  });
});

describe('parsing the command line', () => {
  it.each([
    [['stats'], { name: 'stats', json: false }],
    [['stats', '--json'], { name: 'stats', json: true }],
    [['failed', 'results'], { name: 'failed', queue: 'results', limit: 20, json: false }],
    [['failed', 'results', '--limit', '5', '--json'], { name: 'failed', queue: 'results', limit: 5, json: true }],
    [['retry', 'deliveries'], { name: 'retry', queue: 'deliveries', json: false }],
    [['config'], { name: 'config', json: false }],
    [['config', '--json'], { name: 'config', json: true }],
    [['--help'], { name: 'help' }],
  ])('reads %j', (argv, command) => {
    expect(parseCommand(argv)).toEqual(command);
  });

  it.each([
    [[], /missing command/],
    [['purge', 'results'], /unknown command "purge"/],
    [['stats', 'results'], /takes no arguments/],
    [['config', 'results'], /takes no arguments/],
    [['failed'], /needs a queue name/],
    [['retry', 'a', 'b'], /takes one queue name/],
    [['failed', 'results', '--limit', '0'], /positive whole number/],
    [['failed', 'results', '--limit', 'ten'], /positive whole number/],
    [['retry', 'results', '--limit', '5'], /--limit only applies to "failed"/],
    [['stats', '--verbose'], /verbose/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCommand(argv)).toThrow(UsageError);
    expect(() => parseCommand(argv)).toThrow(message);
  });
});

describe('formatting', () => {
  it('pads columns and right-aligns numbers', () => {
    expect(table(['NAME', 'N'], [['a', 5], ['long-name', 123]])).toBe('NAME         N\na            5\nlong-name  123');
  });

  it('marks a paused queue', () => {
    const stats = { name: 'results', waiting: 1, active: 0, delayed: 0, completed: 0, failed: 0, schedulers: 0, paused: true };
    expect(formatStats([stats])).toContain('results (paused)');
  });

  it('shortens a long or multi-line failure reason to its first line', () => {
    const job = { id: '1', name: 'probe', attempts: 1, maxAttempts: 1, failedReason: `${'x'.repeat(300)}\nstack`, finishedOn: 0 };
    const row = formatFailed({ queue: 'results', total: 1, jobs: [job] }).trimEnd().split('\n')[2]!;
    expect(row).toMatch(/x…$/);
    expect(row).not.toContain('stack');
  });

  it('says "job" for one', () => {
    expect(formatRetry({ queue: 'results', retried: 1 })).toBe('results: moved 1 failed job back to waiting\n');
  });
});
