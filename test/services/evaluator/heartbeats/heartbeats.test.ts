/**
 * Heartbeats through a real evaluator and Redis: pings queued on `results` as the api service
 * queues them, the sweeper finding a missed deadline, CheckDown and its resolution on `alerts`.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../../../libs/config/index.js';
import { createQueue, type AlertEvent, type HeartbeatPing } from '../../../../libs/queues/index.js';
import { REDIS_KEYS } from '../../../../libs/redis-keys.js';
import { evaluatorHarness } from '../../../support/evaluator.js';
import { eventually, uniqueName } from '../../../support/infra.js';

const harness = evaluatorHarness();
const SWEEP = { heartbeatSweepEveryMs: 100, reconcileEveryMs: 60_000 };
const configOf = (id: string): Config => parseConfig(`checks:\n  - { id: ${id}, type: heartbeat, period: 1s, grace: 500ms, labels: { team: ops } }\n`);

async function alertsOf(checkId: string): Promise<AlertEvent[]> {
  const alerts = createQueue('alerts', harness.redis);
  try {
    const jobs = await alerts.getJobs(['waiting', 'delayed', 'completed', 'failed', 'active']);
    return jobs.sort((a, b) => a.timestamp - b.timestamp).map((job) => job.data).filter((event) => event.labels.check === checkId);
  } finally {
    await alerts.close();
  }
}

async function ping(checkId: string, kind: HeartbeatPing['kind'], exitCode?: number): Promise<void> {
  const results = createQueue('results', harness.redis);
  await results.add('heartbeat', { source: 'heartbeat', pings: [{ checkId, kind, atMs: Date.now(), ...(exitCode === undefined ? {} : { exitCode }) }] });
  await results.close();
}

const stateOf = async (checkId: string) => JSON.parse((await harness.redis.get(REDIS_KEYS.checkState(`${checkId}@heartbeat`))) ?? '{}');

describe('heartbeat checks in the evaluator', () => {
  it('queue CheckDown when the deadline passes without a ping, and resolve it on the next ping', async () => {
    const id = uniqueName('backup');
    harness.start(configOf(id), SWEEP);
    await ping(id, 'success');
    await eventually('the success applied', async () => (await stateOf(id)).status === 'up' || undefined);

    const firing = await eventually('CheckDown firing', async () => (await alertsOf(id)).find((event) => event.status === 'firing'), 10_000);
    expect(firing.labels).toEqual({ alertname: 'CheckDown', check: id, team: 'ops' });
    expect(firing.annotations.description).toMatch(/no success ping since .*; one was expected by/);

    await ping(id, 'success');
    const resolved = await eventually('CheckDown resolved', async () => (await alertsOf(id)).find((event) => event.status === 'resolved'));
    expect(resolved.fingerprint).toBe(firing.fingerprint);
    expect((await alertsOf(id)).filter((event) => event.status === 'firing')).toHaveLength(1);
  });

  it('apply the pings of one batch in order: a failure then a success fires and resolves', async () => {
    const id = uniqueName('batched');
    harness.start(configOf(id), SWEEP);
    const results = createQueue('results', harness.redis);
    const atMs = Date.now();
    await results.add('heartbeat', { source: 'heartbeat', pings: [{ checkId: id, kind: 'fail', atMs, exitCode: 1 }, { checkId: id, kind: 'success', atMs: atMs + 1 }] });
    await results.close();
    await eventually('CheckDown resolved', async () => (await alertsOf(id)).find((event) => event.status === 'resolved'));
    const events = await alertsOf(id);
    // Both leave in one commit (same job timestamp), so the queue's order is not asserted: their pairing is.
    expect(events.map((event) => event.status).sort()).toEqual(['firing', 'resolved']);
    expect(new Set(events.map((event) => event.fingerprint)).size).toBe(1);
    expect(events.find((event) => event.status === 'firing')!.annotations.description).toMatch(/exit code 1/);
    expect((await stateOf(id)).status).toBe('up');
  });

  it('go down once the first deadline passes for a check that never pinged', async () => {
    const id = uniqueName('never');
    harness.start(configOf(id), SWEEP);
    const firing = await eventually('CheckDown firing', async () => (await alertsOf(id)).find((event) => event.status === 'firing'), 10_000);
    expect(firing.annotations.description).toMatch(/no ping since the check was first seen/);
  });

  it('go down at once on a failure ping, with its exit code', async () => {
    const id = uniqueName('failing');
    harness.start(configOf(id), SWEEP);
    await ping(id, 'fail', 3);
    const firing = await eventually('CheckDown firing', async () => (await alertsOf(id)).find((event) => event.status === 'firing'));
    expect(firing.annotations.description).toMatch(/exit code 3/);
  });

  it('go down when a started run does not finish within grace', async () => {
    const id = uniqueName('slow');
    harness.start(parseConfig(`checks:\n  - { id: ${id}, type: heartbeat, period: 1h, grace: 500ms }\n`), SWEEP);
    await ping(id, 'success');
    await ping(id, 'start');
    const firing = await eventually('CheckDown firing', async () => (await alertsOf(id)).find((event) => event.status === 'firing'), 10_000);
    expect(firing.annotations.description).toMatch(/started at .* and did not finish within grace \(500ms\)/);
  });

  it('resolve the alert of a heartbeat check removed from the configuration', async () => {
    const id = uniqueName('removed');
    const evaluator = harness.start(configOf(id), SWEEP);
    await ping(id, 'fail');
    await eventually('CheckDown firing', async () => (await alertsOf(id)).find((event) => event.status === 'firing'));
    await evaluator.apply(parseConfig('checks: []\n'));
    const resolved = await eventually('CheckDown resolved', async () => (await alertsOf(id)).find((event) => event.status === 'resolved'));
    expect(resolved.annotations.resolved_reason).toBe('removed');
  });
});
