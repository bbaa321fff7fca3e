import { describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../../libs/config/index.js';
import { createQueue, type AlertEvent } from '../../../libs/queues/index.js';
import { REDIS_KEYS } from '../../../libs/redis-keys.js';
import type { RunningEvaluator } from '../../../services/evaluator/evaluator.js';
import { evaluatorHarness, tcpResult } from '../../support/evaluator.js';
import { eventually } from '../../support/infra.js';

/** Every test uses its own check id, so no test sees another's states or alerts. */
const configWith = (checkYaml: string): Config => parseConfig(`checks:\n${checkYaml}`);
const tcpCheck = (id: string, extra = '') => `  - { id: ${id}, type: tcp, host: 127.0.0.1, port: 1, failureThreshold: 1${extra} }\n`;

describe('alerts of checks that change or go away', () => {
  const harness = evaluatorHarness();
  const evaluatorOn = (config: Config): RunningEvaluator => harness.start(config);
  const feedFailure = (checkId: string, region: string, scheduledAt: number) => harness.feed(tcpResult(checkId, scheduledAt, false, region));

  async function alertsOf(checkId: string): Promise<AlertEvent[]> {
    const alerts = createQueue('alerts', harness.redis);
    const jobs = await alerts.getJobs(['waiting', 'delayed', 'completed', 'failed', 'active']);
    await alerts.close();
    return jobs.map((job) => job.data).filter((alert) => alert.labels.check === checkId).sort((a, b) => a.status.localeCompare(b.status));
  }

  it('resolves the firing alert of a check removed from the configuration, and forgets its state', async () => {
    const evaluator = evaluatorOn(configWith(tcpCheck('removed-1') + tcpCheck('kept-1')));
    await feedFailure('removed-1', 'default', 1_000);
    expect(await harness.redis.sismember(REDIS_KEYS.failing, 'removed-1@default')).toBe(1);

    await evaluator.apply(configWith(tcpCheck('kept-1')));

    const alerts = await alertsOf('removed-1');
    expect(alerts.map((alert) => alert.status)).toEqual(['firing', 'resolved']);
    expect(alerts[1]).toMatchObject({ fingerprint: alerts[0]!.fingerprint, annotations: { resolved_reason: 'removed' } });
    expect(await harness.redis.exists(REDIS_KEYS.checkState('removed-1@default'))).toBe(0);
    expect(await harness.redis.sismember(REDIS_KEYS.failing, 'removed-1@default')).toBe(0);
    expect(await harness.redis.sismember(REDIS_KEYS.subjects, 'removed-1@default')).toBe(0);
  });

  it('resolves the alert of a check whose regions changed from none to two', async () => {
    const evaluator = evaluatorOn(configWith(tcpCheck('moved-1')));
    await feedFailure('moved-1', 'default', 1_000);

    await evaluator.apply(configWith(tcpCheck('moved-1', ', regions: [eu, us]')));

    expect((await alertsOf('moved-1')).map((alert) => alert.status)).toEqual(['firing', 'resolved']);
    expect(await harness.redis.exists(REDIS_KEYS.checkState('moved-1@default'))).toBe(0);
  });

  it('resolves the old alert when the labels of a firing check change, and fires a new one on the next failure', async () => {
    const evaluator = evaluatorOn(configWith(tcpCheck('relabelled-1', ', labels: { team: a }')));
    await feedFailure('relabelled-1', 'default', 1_000);

    await evaluator.apply(configWith(tcpCheck('relabelled-1', ', labels: { team: b }')));
    await feedFailure('relabelled-1', 'default', 2_000);

    const alerts = await alertsOf('relabelled-1');
    const byTeam = (team: string) => alerts.filter((alert) => alert.labels.team === team).map((alert) => alert.status);
    expect(byTeam('a')).toEqual(['firing', 'resolved']);
    expect(byTeam('b')).toEqual(['firing']);
  });

  it('resolves the alert of a check that is paused, records the pause, and starts over when it is resumed', async () => {
    const evaluator = evaluatorOn(configWith(tcpCheck('paused-1')));
    await feedFailure('paused-1', 'default', 1_000);

    await evaluator.apply(configWith(tcpCheck('paused-1', ', paused: true')));
    expect((await alertsOf('paused-1')).map((alert) => `${alert.status}:${alert.annotations.resolved_reason ?? ''}`)).toEqual(['firing:', 'resolved:paused']);
    expect(JSON.parse((await harness.redis.get(REDIS_KEYS.checkState('paused-1@default')))!).status).toBe('paused');
    expect(await harness.redis.sismember(REDIS_KEYS.failing, 'paused-1@default')).toBe(0);

    await evaluator.apply(configWith(tcpCheck('paused-1')));
    expect(JSON.parse((await harness.redis.get(REDIS_KEYS.checkState('paused-1@default')))!).status).toBe('unknown');
  });

  it('resolves the alerts of checks removed while the evaluator was stopped, when it starts', async () => {
    const before = evaluatorOn(configWith(tcpCheck('gone-while-down')));
    await feedFailure('gone-while-down', 'default', 1_000);
    await harness.stop(before);

    evaluatorOn(configWith(tcpCheck('other-check')));

    const alerts = await eventually('the resolved alert', async () => {
      const found = await alertsOf('gone-while-down');
      return found.length === 2 ? found : undefined;
    });
    expect(alerts.map((alert) => alert.status)).toEqual(['firing', 'resolved']);
  });
});
