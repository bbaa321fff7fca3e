/**
 * `npm run alerts` against a real alert store on a private Redis database, written with the
 * same functions the evaluator uses.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { acknowledge } from '../../libs/alerts/acks.js';
import { appendDeliveryLog, stageAlert, stageTransition } from '../../libs/alerts/index.js';
import { createSilence, expireSilence } from '../../libs/alerts/silences.js';
import { REDIS_KEYS } from '../../libs/redis-keys.js';
import { parseCommand } from '../../scripts/alerts/cli.js';
import { UsageError } from '../../scripts/cli-support.js';
import { isolatedRedisUrl } from '../support/infra.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function alertsCli(args: string[], url: string, env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/alerts.ts', ...args], {
    cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH, REDIS_URL: url, ...env }, timeout: 20_000,
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

  describe('silences', () => {
    const HOUR = 3_600_000;
    const silenceOfShop = { matchers: [{ name: 'check', operator: '=' as const, value: 'shop-api' }], durationMs: HOUR, createdBy: 'ann', comment: 'deploy' };

    beforeEach(async () => {
      await redis.del(REDIS_KEYS.silences);
    });

    it('adds a silence and prints its id', async () => {
      const run = alertsCli(['silence', 'add', 'check=shop-api', 'severity=~critical|page', '--duration', '2h', '--author', 'ann', '--comment', 'deploy'], url);
      expect(run).toMatchObject({ status: 0, stderr: '', stdout: expect.stringMatching(/^[0-9a-f]{32}\n$/) });
      const stored = JSON.parse((await redis.hget(REDIS_KEYS.silences, run.stdout.trim()))!);
      expect(stored).toMatchObject({
        matchers: [{ name: 'check', operator: '=', value: 'shop-api' }, { name: 'severity', operator: '=~', value: 'critical|page' }],
        createdBy: 'ann', comment: 'deploy', notifyResolved: false,
      });
      expect(Date.parse(stored.endsAt) - Date.parse(stored.startsAt)).toBe(2 * HOUR);
    });

    it('records $USER as the author when --author is not given', async () => {
      const run = alertsCli(['silence', 'add', 'check=shop-api', '--duration', '1h', '--comment', 'deploy', '--json'], url, { USER: 'carol' });
      expect(run.status).toBe(0);
      expect(JSON.parse(run.stdout).silence.createdBy).toBe('carol');
    });

    it('refuses a silence that would mute every alert, exiting 1', () => {
      const run = alertsCli(['silence', 'add', 'team=~.*', '--duration', '1h', '--author', 'ann', '--comment', 'all'], url);
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/^alerts: a silence needs at least one matcher that does not match the empty string/);
    });

    it('lists active silences with their matchers, end and author', async () => {
      const created = await createSilence(redis, silenceOfShop);
      const run = alertsCli(['silence', 'list'], url);
      expect(run.status).toBe(0);
      expect(run.stdout.split('\n')[0]).toMatch(/^ID\s+STATUS\s+MATCHERS\s+STARTS\s+ENDS\s+BY\s+COMMENT$/);
      expect(run.stdout).toContain(created.id);
      expect(run.stdout).toMatch(new RegExp(`active\\s+\\{check="shop-api"\\}\\s+\\S+\\s+${created.endsAt}\\s+ann\\s+deploy`));
    });

    it('leaves expired silences out of the list unless --all is given', async () => {
      const expired = await expireSilence(redis, (await createSilence(redis, silenceOfShop)).id);
      expect(alertsCli(['silence', 'list'], url).stdout).toBe('no silence is active or pending\n');
      const run = alertsCli(['silence', 'list', '--all', '--json'], url);
      expect(JSON.parse(run.stdout).silences).toEqual([{ ...expired, status: 'expired' }]);
    });

    it('expires a silence by its id', async () => {
      const created = await createSilence(redis, silenceOfShop);
      const run = alertsCli(['silence', 'expire', created.id], url);
      expect(run).toMatchObject({ status: 0, stdout: `expired silence ${created.id}\n` });
      expect(Date.parse(JSON.parse((await redis.hget(REDIS_KEYS.silences, created.id))!).endsAt)).toBeLessThanOrEqual(Date.now());
    });

    it('exits 1 saying so when expiring an unknown silence', () => {
      const run = alertsCli(['silence', 'expire', 'no-such-id'], url);
      expect(run).toMatchObject({ status: 1, stderr: 'alerts: no silence has the id "no-such-id"\n' });
    });
  });

  describe('acknowledgements', () => {
    beforeEach(async () => {
      await redis.del(REDIS_KEYS.acks);
    });

    it("acknowledges a check's firing alerts for their current outage", async () => {
      const run = alertsCli(['ack', 'shop-api', '--author', 'ann', '--comment', 'on it', '--json'], url);
      expect(run.status).toBe(0);
      const expected = { fingerprint: 'f1', startsAt: new Date(1_000).toISOString(), by: 'ann', comment: 'on it' };
      expect(JSON.parse(run.stdout).acknowledgements).toEqual([{ ...expected, at: expect.any(String) }]);
      expect(JSON.parse((await redis.hget(REDIS_KEYS.acks, 'f1'))!)).toMatchObject(expected);
    });

    it('says how many alerts it acknowledged', () => {
      const run = alertsCli(['ack', 'f1', '--author', 'ann'], url);
      expect(run.stdout).toMatch(/^acknowledged 1 alert\nFINGERPRINT\s+ALERT\s+SUBJECT/);
    });

    it('exits 1 saying so when nothing fires for the target', () => {
      const run = alertsCli(['ack', 'quiet-check', '--author', 'ann'], url);
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/^alerts: nothing is firing for "quiet-check"/);
    });

    it('lists acknowledgements with the alert and who gave them', async () => {
      await acknowledge(redis, { target: 'f1', by: 'ann', comment: 'on it' });
      const run = alertsCli(['acks'], url);
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/^FINGERPRINT\s+ALERT\s+SUBJECT\s+OUTAGE SINCE\s+BY\s+AT\s+COMMENT\n/);
      expect(run.stdout).toMatch(/f1\s+CheckDown\s+shop-api@default\s+1970-01-01T00:00:01.000Z\s+ann\s+\S+\s+on it/);
    });
  });

  describe('deliveries', () => {
    beforeAll(async () => {
      const base = { notificationId: 'msg_1', groupKey: '{}:{check="shop-api"}', alerts: [{ fingerprint: 'f1', status: 'firing' as const, alertname: 'CheckDown', check: 'shop-api' }] };
      await appendDeliveryLog(redis, { ...base, at: '2025-06-01T10:00:00.000Z', channelId: 'oncall', outcome: 'retrying', attempts: 1, answer: { status: 503, body: 'busy' }, reason: 'webhook channel "oncall" answered HTTP 503: busy' });
      await appendDeliveryLog(redis, { ...base, at: '2025-06-01T10:00:02.000Z', channelId: 'oncall', outcome: 'delivered', attempts: 2, answer: { status: 200 } });
      await appendDeliveryLog(redis, { ...base, at: '2025-06-01T10:00:01.000Z', channelId: 'chat', outcome: 'failed', attempts: 1, answer: { status: 400, body: 'invalid_payload' } });
    });

    it('lists the last deliveries of every channel, newest first, with the receiver answer', () => {
      const run = alertsCli(['deliveries'], url);
      expect(run.status).toBe(0);
      const lines = run.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^AT\s+CHANNEL\s+OUTCOME\s+ATTEMPTS\s+ALERTS\s+ANSWER$/);
      expect(lines.slice(1).map((line) => line.split(/\s{2,}/).slice(1, 4).join(' '))).toEqual(['oncall delivered 2', 'chat failed 1', 'oncall retrying 1']);
      expect(lines[2]).toMatch(/CheckDown shop-api firing\s+400 invalid_payload$/);
    });

    it('lists one channel with --channel, as JSON with --json', () => {
      const run = alertsCli(['deliveries', '--channel', 'chat', '--json'], url);
      expect(JSON.parse(run.stdout).deliveries.map((entry: { channelId: string; outcome: string }) => `${entry.channelId} ${entry.outcome}`)).toEqual(['chat failed']);
    });
  });

  it('takes expire ID as silence expire ID', () => {
    expect(parseCommand(['expire', 'abc'], {})).toEqual({ name: 'silence expire', id: 'abc', json: false });
  });

  it('reads a silence with its start, end and --notify-resolved', () => {
    const command = parseCommand(['silence', 'add', '{check="shop-api", env!=dev}', '--from', '2025-06-01T18:00:00Z', '--until', '2025-06-01T22:00:00+02:00',
      '--author', 'ann', '--comment', 'migration', '--notify-resolved'], {});
    expect(command).toEqual({
      name: 'silence add', json: false,
      silence: {
        matchers: [{ name: 'check', operator: '=', value: 'shop-api' }, { name: 'env', operator: '!=', value: 'dev' }],
        startsAt: new Date('2025-06-01T18:00:00Z'), endsAt: new Date('2025-06-01T20:00:00Z'), createdBy: 'ann', comment: 'migration', notifyResolved: true,
      },
    });
  });

  it('hands maintenance commands their arguments, options before the word included', () => {
    expect(parseCommand(['--json', 'maintenance', 'list'], {})).toEqual({ name: 'maintenance', command: { name: 'list', json: true } });
  });

  it('reads options given before the command', () => {
    expect(parseCommand(['--json', 'silence', 'list', '--all'], {})).toEqual({ name: 'silence list', includeExpired: true, json: true });
  });

  it.each([
    [['silence'], '"silence" needs a subcommand: add, list or expire'],
    [['silence', 'mute'], 'unknown command "silence mute" (silence takes add, list or expire)'],
    [['silence', 'add', '--duration', '1h', '--author', 'a', '--comment', 'c'], '"silence add" needs at least one matcher, like check=shop-api'],
    [['silence', 'add', 'team', '--duration', '1h', '--author', 'a', '--comment', 'c'], 'expected a matcher like team="db", severity=~"critical|page" or env!=dev, got "team"'],
    [['silence', 'add', 'a=b', '--author', 'a', '--comment', 'c'], '"silence add" needs one of --duration and --until'],
    [['silence', 'add', 'a=b', '--duration', '1h', '--until', '2030-01-01T00:00:00Z', '--author', 'a', '--comment', 'c'], '"silence add" needs one of --duration and --until'],
    [['silence', 'add', 'a=b', '--duration', 'soon', '--author', 'a', '--comment', 'c'], '--duration expects a duration like "2h" or "30m", got "soon"'],
    [['silence', 'add', 'a=b', '--duration', '0s', '--author', 'a', '--comment', 'c'], '--duration expects a duration like "2h" or "30m", got "0s"'],
    [['silence', 'add', 'a=b', '--until', '2030-01-01 10:00', '--author', 'a', '--comment', 'c'], '--until expects an ISO 8601 time with a zone, like 2025-06-01T18:00:00Z, got "2030-01-01 10:00"'],
    [['silence', 'add', 'a=b', '--duration', '1h', '--author', 'a'], '"silence add" needs --comment (why it is silenced)'],
    [['silence', 'add', 'a=b', '--duration', '1h', '--comment', 'c'], '--author is required ($USER is not set)'],
    [['silence', 'list', '--duration', '1h'], '--duration only applies to "silence add"'],
    [['silence', 'expire'], '"silence expire" needs a silence id'],
    [['list', '--all'], '--all only applies to "silence list"'],
    [['acks', '--author', 'a'], '--author only applies to "silence add" and "ack"'],
    [['ack', '--author', 'a'], '"ack" needs a check id or alert fingerprint'],
    [['ack', 'a', 'b', '--author', 'a'], '"ack" takes one check id or alert fingerprint, got a b'],
  ])('refuses %j: %s', (argv, message) => {
    expect(() => parseCommand(argv, {})).toThrow(new UsageError(message));
  });

  it.each([
    [['history'], '"history" needs a check id'],
    [['list', 'extra'], '"list" takes no arguments, got extra'],
    [['list', '--limit', '3'], '--limit only applies to "history" and "deliveries"'],
    [['history', 'a', '--limit', '0'], '--limit expects a positive whole number, got "0"'],
  ])('refuses %j: %s', (argv, message) => {
    expect(() => parseCommand(argv)).toThrow(new UsageError(message));
  });
});
