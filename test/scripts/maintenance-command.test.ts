/**
 * `npm run alerts -- maintenance …`: parsing the words after "maintenance", and running the
 * commands against a private Redis database with the clock passed in.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MaintenanceError } from '../../libs/alerts/maintenance.js';
import { REDIS_KEYS } from '../../libs/redis-keys.js';
import { executeMaintenance, MAINTENANCE_USAGE, parseMaintenanceCommand } from '../../scripts/alerts/maintenance-command.js';
import { UsageError } from '../../scripts/cli-support.js';
import { isolatedRedisUrl } from '../support/infra.js';

const HOUR = 3_600_000;
const words = (line: string) => line.match(/"[^"]*"|\S+/g)!.map((word) => word.replace(/^"(.*)"$/, '$1'));
const parse = (line: string) => parseMaintenanceCommand(words(line));

describe('parsing maintenance commands', () => {
  it('reads a one-off window between two times, with checks and matchers', () => {
    expect(parse('add db-upgrade --check db --check cache team=data env=~"prod|stage" --from 2026-03-01T22:00:00Z --until 2026-03-02T00:00+01:00 --author ana')).toEqual({
      name: 'add', json: false,
      window: {
        name: 'db-upgrade', createdBy: 'ana', checks: ['db', 'cache'],
        matchers: [{ name: 'team', operator: '=', value: 'data' }, { name: 'env', operator: '=~', value: 'prod|stage' }],
      },
      when: { kind: 'once', startsAt: '2026-03-01T22:00:00.000Z', endsAt: '2026-03-01T23:00:00.000Z' },
    });
  });

  it('reads --for as a one-off window starting when it runs', () => {
    expect(parse('add reboot --check web --for 2h --author ana')).toMatchObject({ when: { kind: 'for', durationMs: 2 * HOUR } });
  });

  it('reads a recurring window in a time zone, bounded by from and until', () => {
    expect(parse('add sundays --check db --cron "0 2 * * 0" --duration 2h --timezone Europe/Berlin --from 2026-03-01T00:00:00Z --until 2026-06-01T00:00:00Z --author ana')).toMatchObject({
      when: { kind: 'recurring', cron: '0 2 * * 0', durationMs: 2 * HOUR, timezone: 'Europe/Berlin', from: '2026-03-01T00:00:00.000Z', until: '2026-06-01T00:00:00.000Z' },
    });
  });

  it('reads a recurring window in UTC when no time zone is given', () => {
    expect(parse('add nightly --check db --cron "0 3 * * *" --duration 30m --author ana')).toMatchObject({ when: { timezone: 'UTC' } });
  });

  it('reads a set of matchers in braces as one word', () => {
    expect(parse('add shop "{team=shop, env!=dev}" --for 1h --author ana')).toMatchObject({
      window: { matchers: [{ name: 'team', operator: '=', value: 'shop' }, { name: 'env', operator: '!=', value: 'dev' }] },
    });
  });

  it.each([
    ['list', { name: 'list', json: false }],
    ['list --json', { name: 'list', json: true }],
    ['delete 0123abcd', { name: 'delete', id: '0123abcd', json: false }],
    ['--help', { name: 'help' }],
    ['help', { name: 'help' }],
  ])('reads "%s"', (line, expected) => {
    expect(parse(line)).toEqual(expected);
  });

  it.each([
    ['', 'missing maintenance command (add, list or delete)'],
    ['lsit', 'unknown maintenance command "lsit"'],
    ['add', '"maintenance add" needs a NAME for the window'],
    ['add team=db --for 1h --author ana', `"maintenance add" takes the window's NAME first, then its matchers; got the matcher team=db`],
    ['add x --check db --for 1h', '"maintenance add" needs --author NAME (who is doing the maintenance)'],
    ['add x --for 1h --author ana', '"maintenance add" needs at least one --check ID or MATCHER'],
    ['add x --check db --author ana', '"maintenance add" needs when: --from ISO --until ISO, --for DURATION, or --cron EXPR --duration DURATION'],
    ['add x --check db --from 2026-03-01T00:00:00Z --author ana', '"maintenance add" needs when: --from ISO --until ISO, --for DURATION, or --cron EXPR --duration DURATION'],
    ['add x --check db --for 2 --author ana', '--for expects a duration like 30m, 2h or 1d, got "2"'],
    ['add x --check db --for 1h --from 2026-03-01T00:00:00Z --author ana', 'give either --for or --from/--until, not both'],
    ['add x --check db --cron "0 2 * * 0" --author ana', '--cron needs --duration DURATION (how long each occurrence holds)'],
    ['add x --check db --cron "0 2 * * 0" --for 2h --author ana', '--for is for one-off windows; a recurring one takes --duration'],
    ['add x --check db --duration 2h --author ana', '--duration goes with --cron; a one-off window takes --for DURATION or --from/--until'],
    ['add x --check db --for 2h --timezone Europe/Berlin --author ana', '--timezone goes with --cron (one-off times carry their own offset)'],
    ['add x --check db --from 2026-03-01 --until 2026-03-02T00:00:00Z --author ana', /^--from must be an ISO 8601 time with Z or an offset/],
    ['add x team=~"(" --for 1h --author ana', /does not compile/],
    ['list extra', '"maintenance list" takes no arguments, got extra'],
    ['list --author ana', '--author does not apply to "maintenance list"'],
    ['delete', '"maintenance delete" needs a window id'],
    ['delete a b', '"maintenance delete" takes one window id, got a b'],
    ['add x --check db --for 1h --author ana --bogus', /Unknown option '--bogus'/],
  ])('refuses "%s", saying why', (line, message) => {
    const argv = line === '' ? [] : words(line);
    expect(() => parseMaintenanceCommand(argv)).toThrow(UsageError);
    expect(() => parseMaintenanceCommand(argv)).toThrow(message);
  });
});

describe('running maintenance commands', () => {
  let redis: Redis;
  const now = new Date('2026-03-01T12:00:00.000Z');
  const run = (line: string, at = now) => executeMaintenance(parse(line), redis, at);

  beforeAll(async () => {
    redis = new Redis(await isolatedRedisUrl());
  });
  beforeEach(() => redis.flushdb());
  afterAll(() => redis.quit());

  it('prints the usage for help', async () => {
    expect(await run('help')).toBe(MAINTENANCE_USAGE);
  });

  it('creates a window for --for that is active from now, and says until when', async () => {
    const output = await run('add reboot --check web --for 2h --author ana');
    expect(output).toMatch(/^created maintenance window [0-9a-f]{32} "reboot" for checks web: active until 2026-03-01T14:00:00.000Z\n$/);
  });

  it('says when a recurring window it created next starts', async () => {
    const output = await run('add sundays team=data --cron "0 2 * * 0" --duration 2h --timezone Europe/Berlin --author ana');
    expect(output).toMatch(/for \{team="data"\}: starts 2026-03-08T01:00:00.000Z\n$/);
  });

  it('prints the created window as JSON with --json', async () => {
    const created = JSON.parse(await run('add reboot --check web --for 2h --author ana --json'));
    expect(created.window).toMatchObject({ name: 'reboot', createdBy: 'ana', checks: ['web'], active: true, endsAt: '2026-03-01T14:00:00.000Z' });
    expect(await redis.hexists(REDIS_KEYS.maintenanceWindows, created.window.id)).toBe(1);
  });

  it('refuses a window that is already over as wrong usage', async () => {
    await expect(run('add late --check web --from 2026-02-01T00:00:00Z --until 2026-02-01T01:00:00Z --author ana')).rejects.toThrow(UsageError);
  });

  it('refuses an invalid time zone as wrong usage, naming it', async () => {
    await expect(run('add x --check web --cron "0 2 * * 0" --duration 2h --timezone Mars/Olympus --author ana')).rejects.toThrow(/unknown time zone "Mars\/Olympus"/);
  });

  it('lists each window with whether it is active now and until when, or when it next starts', async () => {
    await run('add reboot --check web --for 2h --author ana');
    await run('add sundays team=data --cron "0 2 * * 0" --duration 2h --author bo', new Date(now.getTime() + 1_000));
    const lines = (await run('list')).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+STATUS\s+SCHEDULE\s+COVERS\s+AUTHOR$/);
    expect(lines[1]).toMatch(/reboot\s+active until 2026-03-01T14:00:00.000Z\s+2026-03-01T12:00:00.000Z to 2026-03-01T14:00:00.000Z\s+checks web\s+ana$/);
    expect(lines[2]).toMatch(/sundays\s+starts 2026-03-08T02:00:00.000Z\s+"0 2 \* \* 0" UTC for 2h\s+\{team="data"\}\s+bo$/);
  });

  it('lists windows as JSON with --json', async () => {
    await run('add sundays team=data --cron "0 2 * * 0" --duration 2h --author bo');
    expect(JSON.parse(await run('list --json'))).toMatchObject({
      windows: [{ name: 'sundays', active: false, nextStartsAt: '2026-03-08T02:00:00.000Z', schedule: { kind: 'recurring', timezone: 'UTC' } }],
    });
  });

  it('says so when there are no windows', async () => {
    expect(await run('list')).toBe('no maintenance windows\n');
  });

  it('shows a window that has ended as over', async () => {
    await run('add reboot --check web --for 2h --author ana');
    expect(await run('list', new Date(now.getTime() + 3 * HOUR))).toMatch(/reboot\s+over\s/);
  });

  it('deletes a window by id', async () => {
    const { window } = JSON.parse(await run('add reboot --check web --for 2h --author ana --json'));
    expect(await run(`delete ${window.id}`)).toBe(`deleted maintenance window ${window.id} "reboot"\n`);
    expect(await run('list')).toBe('no maintenance windows\n');
  });

  it('fails to delete an unknown window, naming the id', async () => {
    await expect(run('delete nope')).rejects.toThrow(MaintenanceError);
    await expect(run('delete nope')).rejects.toThrow('no maintenance window with id "nope"');
  });
});
