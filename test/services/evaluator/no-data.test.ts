import { describe, expect, it } from 'vitest';
import { historyOfCheck, listActiveAlerts } from '../../../libs/alerts/index.js';
import { parseConfig, type CheckConfig, type Config } from '../../../libs/config/index.js';
import { noDataAfterMs, noDataChange } from '../../../services/evaluator/no-data.js';
import { shownStatus, type StoredState } from '../../../services/evaluator/stored-state.js';
import { eventually } from '../../support/infra.js';
import { evaluatorHarness, tcpResult } from '../../support/evaluator.js';

const MINUTE = 60_000;
const checkOf = (fields: string): CheckConfig => parseConfig(`checks:\n  - { id: api, type: tcp, host: 127.0.0.1, port: 1, interval: 30s, ${fields} }\n`).checks[0]!;
const up = (lastTick: number): StoredState => ({ status: 'up', consecutiveFailures: 0, consecutiveSuccesses: 1, lastTick });

describe('NoData, decided', () => {
  const check = checkOf('noData: { after: 5m }');

  it('raises NoData for a subject silent for longer than noData.after', () => {
    const change = noDataChange('api@default', 'default', check, up(0), 5 * MINUTE + 1, 0);
    expect(change?.raised).toMatchObject([{ rule: 'nodata', notify: true, event: { status: 'firing', labels: { alertname: 'NoData', check: 'api' }, startsAt: new Date(0).toISOString() } }]);
  });

  it('raises nothing at exactly noData.after', () => {
    expect(noDataChange('api@default', 'default', check, up(0), 5 * MINUTE, 0)).toBeUndefined();
  });

  it('raises nothing before the evaluator itself has watched for noData.after', () => {
    // A stack started after a long stop: every check is silent, none is to blame yet.
    expect(noDataChange('api@default', 'default', check, up(0), 60 * MINUTE, 56 * MINUTE)).toBeUndefined();
  });

  it('raises it once: a subject already without data is left as it is', () => {
    const silent = noDataChange('api@default', 'default', check, up(0), 6 * MINUTE, 0)!.after;
    expect(noDataChange('api@default', 'default', check, silent, 60 * MINUTE, 0)).toBeUndefined();
  });

  it('starts expecting results from a subject that never had any', () => {
    const created = noDataChange('api@default', 'default', check, undefined, 10 * MINUTE, 0)!;
    expect(created.raised).toEqual([]);
    expect(created.after).toMatchObject({ status: 'unknown', sinceMs: 10 * MINUTE });
    expect(noDataChange('api@default', 'default', check, created.after, 15 * MINUTE + 1, 0)?.raised).toHaveLength(1);
  });

  it('shows the silent subject as unknown, never up', () => {
    const after = noDataChange('api@default', 'default', check, up(0), 6 * MINUTE, 0)!.after;
    expect(shownStatus(after)).toBe('unknown');
  });

  it.each([
    ['interval: 30s, timeout: 5s', 95_000],
    ['interval: 5s, timeout: 1s', 60_000],
    ['noData: { after: 2m }', 120_000],
    ['noData: false', undefined],
    ['paused: true', undefined],
  ])('waits by default three intervals and a timeout, at least a minute (%s)', (fields, expected) => {
    const yaml = fields.startsWith('interval') ? `checks:\n  - { id: api, type: tcp, host: 127.0.0.1, port: 1, ${fields} }\n` : undefined;
    const check = yaml ? parseConfig(yaml).checks[0]! : checkOf(fields);
    expect(noDataAfterMs(check)).toBe(expected);
  });
});

describe('NoData, end to end on Redis', () => {
  const harness = evaluatorHarness();
  const config = (id: string): Config => parseConfig(`checks:\n  - { id: ${id}, type: tcp, host: 127.0.0.1, port: 1, interval: 1s, timeout: 500ms, noData: { after: 1s } }\n`);
  const alertsOf = async (checkId: string) => (await listActiveAlerts(harness.redis)).filter((alert) => alert.labels.check === checkId);

  it('raises NoData for a check whose results stop, and shows it as unknown in its history', async () => {
    harness.start(config('silent-1'), { noDataSweepEveryMs: 100 });
    await harness.feed(tcpResult('silent-1', Date.now(), true));
    const alert = await eventually('the NoData alert', async () => (await alertsOf('silent-1')).find((item) => item.labels.alertname === 'NoData'));
    expect(alert).toMatchObject({ rule: 'nodata', subject: 'silent-1@default' });
    expect((await historyOfCheck(harness.redis, 'silent-1'))[0]).toMatchObject({ from: 'up', to: 'unknown', reason: 'no results for more than 1s' });
  });

  it('resolves NoData when results come again', async () => {
    harness.start(config('silent-2'), { noDataSweepEveryMs: 100 });
    await harness.feed(tcpResult('silent-2', Date.now(), true));
    await eventually('the NoData alert', async () => (await alertsOf('silent-2')).length > 0 || undefined);
    await harness.feed(tcpResult('silent-2', Date.now(), true));
    expect(await alertsOf('silent-2')).toEqual([]);
    expect((await historyOfCheck(harness.redis, 'silent-2'))[0]).toMatchObject({ from: 'unknown', to: 'up' });
  });

  it('raises NoData for a check that never produced a result', async () => {
    harness.start(config('silent-3'), { noDataSweepEveryMs: 100 });
    const alert = await eventually('the NoData alert', async () => (await alertsOf('silent-3'))[0]);
    expect(alert!.labels.alertname).toBe('NoData');
  });
});
