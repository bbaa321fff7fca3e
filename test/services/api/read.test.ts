/** The read-only windows onto the alert store and the configuration: maintenance, deliveries, config. */
import { describe, expect, it } from 'vitest';
import { appendDeliveryLog, createMaintenanceWindow, type DeliveryLogEntry } from '../../../libs/alerts/index.js';
import { publishConfig, recordRejectedConfig } from '../../../libs/config-sync.js';
import { apiHarness } from './support.js';

const CHANNELS = 'channels:\n  - { id: oncall, type: webhook, url: "https://hooks.example.com/T0K3N-secret" }\n';

describe('GET /maintenance', () => {
  const harness = apiHarness();

  it('lists a window in effect now with when it ends and what it covers', async () => {
    const now = new Date();
    const window = await createMaintenanceWindow(harness.redis, {
      name: 'db upgrade', createdBy: 'alice', checks: ['db'], matchers: [],
      schedule: { kind: 'once', startsAt: new Date(now.getTime() - 60_000).toISOString(), endsAt: new Date(now.getTime() + 3_600_000).toISOString() },
    }, now);
    const api = await harness.start();
    const { status, body } = await api.call('GET', '/maintenance');
    expect(status).toBe(200);
    expect(body.windows).toEqual([expect.objectContaining({ id: window.id, name: 'db upgrade', checks: ['db'], active: true, endsAt: window.schedule.kind === 'once' ? window.schedule.endsAt : '' })]);
    expect(body.windows[0].description.covers).toMatch(/db/);
  });

  it('lists a recurring window that is not in effect with its next start', async () => {
    const now = new Date();
    await createMaintenanceWindow(harness.redis, {
      name: 'nightly', createdBy: 'alice', checks: ['db'], matchers: [],
      schedule: { kind: 'recurring', cron: '0 3 * * *', durationMs: 60_000, timezone: 'UTC', from: new Date(now.getTime() + 86_400_000).toISOString() },
    }, now);
    const api = await harness.start();
    const [window] = (await api.call('GET', '/maintenance')).body.windows;
    expect(window).toMatchObject({ active: false, nextStartsAt: expect.any(String), schedule: { kind: 'recurring', cron: '0 3 * * *' } });
  });
});

describe('GET /deliveries/:channel', () => {
  const harness = apiHarness();
  const entry = (at: string, outcome: DeliveryLogEntry['outcome']): DeliveryLogEntry => ({
    at, channelId: 'oncall', notificationId: `n-${at}`, groupKey: 'g', alerts: [{ fingerprint: 'f', status: 'firing', alertname: 'CheckDown', check: 'web' }], outcome, attempts: 1,
  });

  it('lists a channel\'s deliveries, newest first, without its URL', async () => {
    await appendDeliveryLog(harness.redis, entry('2026-12-03T10:00:00.000Z', 'retrying'));
    await appendDeliveryLog(harness.redis, entry('2026-12-03T10:01:00.000Z', 'delivered'));
    const api = await harness.start(CHANNELS);
    const { status, body } = await api.call('GET', '/deliveries/oncall');
    expect(status).toBe(200);
    expect(body.deliveries.map((d: { outcome: string }) => d.outcome)).toEqual(['delivered', 'retrying']);
    expect(JSON.stringify(body)).not.toMatch(/T0K3N|hooks\.example\.com/);
  });

  it('answers an empty list for a configured channel that has delivered nothing', async () => {
    const api = await harness.start(CHANNELS);
    expect((await api.call('GET', '/deliveries/oncall')).body).toEqual({ channel: 'oncall', deliveries: [] });
  });

  it('answers 404 for a channel that is neither configured nor logged', async () => {
    const api = await harness.start(CHANNELS);
    expect((await api.call('GET', '/deliveries/nope')).status).toBe(404);
  });
});

describe('GET /config', () => {
  const harness = apiHarness();

  it('shows the version, sha, source and acceptance time of the running configuration, never its text', async () => {
    const sha = await publishConfig(harness.redis, 'checks: []\n# secret: hunter2\n', '/etc/vigil/vigil.yaml');
    await publishConfig(harness.redis, 'checks: []\n# secret: hunter2\n', '/etc/vigil/vigil.yaml');
    const api = await harness.start();
    const { status, body } = await api.call('GET', '/config');
    expect(status).toBe(200);
    expect(body.running).toEqual({ version: 2, sha, source: '/etc/vigil/vigil.yaml', acceptedAt: expect.any(String) });
    expect(JSON.stringify(body)).not.toContain('hunter2');
  });

  it('shows the last rejected edit with its problems', async () => {
    await publishConfig(harness.redis, 'checks: []\n', 'vigil.yaml');
    await recordRejectedConfig(harness.redis, { sha: 'bad', source: 'vigil.yaml', atMs: 5_000, problems: ['checks[0].interval: expected a duration'] });
    const api = await harness.start();
    expect((await api.call('GET', '/config')).body.rejected).toEqual({ sha: 'bad', source: 'vigil.yaml', at: new Date(5_000).toISOString(), problems: ['checks[0].interval: expected a duration'] });
  });

  it('names the configuration this api process answers from', async () => {
    const api = await harness.start();
    expect((await api.call('GET', '/config')).body).toEqual({ served: { sha: expect.stringMatching(/^[0-9a-f]{16}$/) } });
  });
});

describe('unknown endpoints', () => {
  const harness = apiHarness();

  it('answers 404 with a JSON body', async () => {
    const api = await harness.start();
    expect(await api.call('GET', '/nothing-here')).toMatchObject({ status: 404, body: { code: 'VIGIL_API_NOT_FOUND' } });
  });
});
