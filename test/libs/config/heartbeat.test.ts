/** The heartbeat check type (issue 11): a period or a cron schedule with a time zone, and a grace. */
import { describe, expect, it } from 'vitest';
import { parseConfig, type CheckConfig } from '../../../libs/config/index.js';
import { problemsOf } from './support.js';

const heartbeat = (fields: string): string => `checks:\n  - { id: backup, type: heartbeat, ${fields} }\n`;
const checkOf = (yaml: string): CheckConfig => parseConfig(yaml, {}, 'test.yaml').checks[0]!;

describe('heartbeat checks', () => {
  it.each([
    ['period: 1h, grace: 5m', { type: 'heartbeat', periodMs: 3_600_000, graceMs: 300_000 }],
    ['schedule: "0 3 * * *", timezone: Europe/Berlin, grace: 30m', { schedule: '0 3 * * *', timezone: 'Europe/Berlin', graceMs: 1_800_000 }],
    ['schedule: "*/15 * * * *", grace: 1m', { schedule: '*/15 * * * *', graceMs: 60_000 }],
    ['period: 1d, grace: 1h, labels: { team: ops }, failureThreshold: 1', { periodMs: 86_400_000, labels: { team: 'ops' }, failureThreshold: 1 }],
  ])('accept %s', (fields, expected) => {
    expect(checkOf(heartbeat(fields))).toMatchObject(expected);
  });

  it('have the one region "heartbeat", whatever the defaults say, since nothing probes them', () => {
    const config = parseConfig(`defaults: { regions: [eu, us] }\n${heartbeat('period: 1h, grace: 5m')}`, {}, 'test.yaml');
    expect(config.checks[0]!.regions).toEqual(['heartbeat']);
  });

  it.each([
    ['grace: 5m', 'checks[0]', /exactly one of `period`/],
    ['period: 1h, schedule: "0 3 * * *", grace: 5m', 'checks[0]', /exactly one of `period`/],
    ['period: soon, grace: 5m', 'checks[0].period', /expected a duration/],
    ['period: 1h', 'checks[0].grace', /expected a duration/],
    ['period: 1h, grace: later', 'checks[0].grace', /expected a duration/],
    ['period: 0s, grace: 5m', 'checks[0].period', /longer than 0s/],
    ['schedule: "61 3 * * *", grace: 5m', 'checks[0].schedule', /expected a cron expression/],
    ['schedule: "every day", grace: 5m', 'checks[0].schedule', /expected a cron expression/],
    ['schedule: "0 3 * * *", timezone: Mars/Olympus, grace: 5m', 'checks[0].timezone', /IANA time zone/],
    ['period: 1h, timezone: UTC, grace: 5m', 'checks[0].timezone', /applies to a cron `schedule`/],
    ['period: 1h, grace: 5m, token: abc', 'checks[0].token', /unknown key/],
  ])('reject %s', (fields, path, message) => {
    expect(problemsOf(heartbeat(fields))).toEqual([expect.objectContaining({ path, message: expect.stringMatching(message) })]);
  });
});
