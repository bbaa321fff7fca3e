/**
 * `npm run alerts` against a real alert store on a private Redis database, written with the
 * same functions the evaluator uses.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stageAlert, stageTransition } from '../../libs/alerts/index.js';
import { REDIS_KEYS } from '../../libs/redis-keys.js';
import { parseCommand } from '../../scripts/alerts/cli.js';
import { UsageError } from '../../scripts/cli-support.js';
import { isolatedRedisUrl } from '../support/infra.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function alertsCli(args: string[], url: string) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/alerts.ts', ...args], {
    cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH, REDIS_URL: url }, timeout: 20_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm run alerts', () => {
  let url: string;
  let redis: Redis;

  beforeAll(async () => {
    url = await isolatedRedisUrl();
    redis = new Redis(url);
    const transaction = redis.multi();
    stageAlert(transaction, {
      fingerprint: 'f1', status: 'firing', labels: { alertname: 'CheckDown', check: 'shop-api', team: 'shop' },
      annotations: { summary: 'shop-api is down' }, startsAt: new Date(1_000).toISOString(),
    }, 'shop-api@default', 'down');
    stageTransition(transaction, 'shop-api@default', { atMs: 1_000, from: 'up', to: 'pending', reason: 'expected status 2xx, got 503' });
    stageTransition(transaction, 'shop-api@default', { atMs: 2_000, from: 'pending', to: 'down', reason: 'expected status 2xx, got 503' });
    transaction.sadd(REDIS_KEYS.subjects, 'shop-api@default');
    await transaction.exec();
  });
  afterAll(() => redis.quit());

  it('lists the alerts firing now with subject, rule and since', () => {
    const run = alertsCli(['list'], url);
    expect(run).toMatchObject({ status: 0, stderr: '' });
    expect(run.stdout.split('\n')[0]).toMatch(/^ALERT\s+SUBJECT\s+RULE\s+SINCE\s+VALUE\s+LABELS$/);
    expect(run.stdout).toMatch(/CheckDown\s+shop-api@default\s+down\s+1970-01-01T00:00:01.000Z\s+team=shop/);
  });

  it('lists them as JSON with --json', () => {
    const run = alertsCli(['list', '--json'], url);
    expect(JSON.parse(run.stdout)).toMatchObject({ alerts: [{ fingerprint: 'f1', subject: 'shop-api@default', rule: 'down' }] });
  });

  it("prints a check's state changes newest first", () => {
    const run = alertsCli(['history', 'shop-api', '--json'], url);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout).transitions.map((change: { to: string }) => change.to)).toEqual(['down', 'pending']);
  });

  it('says so when a check has no recorded history', () => {
    expect(alertsCli(['history', 'nothing-here'], url).stdout).toBe('no state changes recorded for "nothing-here"\n');
  });

  it('exits 2 with the usage on a wrong invocation', () => {
    const run = alertsCli(['histroy', 'shop-api'], url);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^alerts: unknown command "histroy"\nusage: npm run alerts/);
  });

  it('exits 1 naming the address when Redis cannot be reached', () => {
    const run = alertsCli(['list'], 'redis://127.0.0.1:1');
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^alerts: cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
  });

  it.each([
    [['history'], '"history" needs a check id'],
    [['list', 'extra'], '"list" takes no arguments, got extra'],
    [['list', '--limit', '3'], '--limit only applies to "history"'],
    [['history', 'a', '--limit', '0'], '--limit expects a positive whole number, got "0"'],
  ])('refuses %j: %s', (argv, message) => {
    expect(() => parseCommand(argv)).toThrow(new UsageError(message));
  });
});
