import type { Queue } from 'bullmq';
import { Redis, type Command } from 'ioredis';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig, type CheckConfig } from '../../../libs/config/index.js';
import { createQueue, type AlertEvent, type ProbeResult, type ProbeResultBatch } from '../../../libs/queues/index.js';
import { REDIS_KEYS } from '../../../libs/redis-keys.js';
import { evaluateBatch, type EvaluationDeps } from '../../../services/evaluator/evaluate.js';
import { isolatedRedisUrl } from '../../support/infra.js';

const checks = new Map<string, CheckConfig>(parseConfig(`
checks:
  - { id: api, type: tcp, host: 127.0.0.1, port: 1, interval: 10s, timeout: 1s, failureThreshold: 2, successThreshold: 1 }
`).checks.map((check) => [check.id, check]));

const failure = (scheduledAt: number): ProbeResultBatch => ({
  region: 'default',
  results: [{
    checkId: 'api', checkType: 'tcp', region: 'default', scheduledAt, startedAt: scheduledAt, ok: false,
    errorClass: 'refused', message: 'connect ECONNREFUSED', timings: { totalMs: 1 }, workerId: 'test',
  } satisfies ProbeResult],
});

const success = (scheduledAt: number): ProbeResultBatch => ({
  region: 'default',
  results: [{ checkId: 'api', checkType: 'tcp', region: 'default', scheduledAt, startedAt: scheduledAt, ok: true, timings: { totalMs: 1 }, workerId: 'test' }],
});

/**
 * Two evaluators committing to the same check at once, on a real Redis. A second
 * evaluator (its own connection) commits its batch after this one has WATCHed and read the
 * check's state, so the write lands between this evaluator's WATCH and its EXEC,
 * deterministically: the hook runs when the read's reply arrives, before the evaluator can
 * send anything else.
 */
describe('evaluating a batch while another evaluator commits to the same check', () => {
  let redis: Redis;
  let stateRedis: Redis;
  let otherStateRedis: Redis;
  let alerts: Queue<AlertEvent>;
  let watches: number;

  const deps = (connection: Redis): EvaluationDeps => ({ stateRedis: connection, alerts, log: pino({ level: 'silent' }), recordMetrics: true });

  beforeEach(async () => {
    const url = await isolatedRedisUrl();
    redis = new Redis(url, { maxRetriesPerRequest: null });
    stateRedis = new Redis(url, { maxRetriesPerRequest: null });
    otherStateRedis = new Redis(url, { maxRetriesPerRequest: null });
    alerts = createQueue('alerts', redis);
    await Promise.all([redis.ping(), stateRedis.ping(), otherStateRedis.ping()]);
    watches = 0;
  });
  afterEach(async () => {
    await alerts.close();
    await Promise.all([redis.quit(), stateRedis.quit(), otherStateRedis.quit()]);
  });

  /**
   * Runs `meanwhile` (while it returns true) after each WATCH this evaluator's connection
   * sends, once the reply to the command that follows it (the read of the states) is in:
   * the concurrent write lands after the read and before the EXEC.
   */
  function afterWatchedRead(meanwhile: (watch: number) => Promise<boolean>): void {
    const send = stateRedis.sendCommand.bind(stateRedis);
    const seen = new WeakSet<Command>();
    let armed = true;
    let readNext = false;
    stateRedis.sendCommand = ((command: Command, stream?: never) => {
      const reply = send(command, stream) as Promise<unknown>;
      if (seen.has(command)) return reply; // resent from the offline queue
      seen.add(command);
      if (command.name.toLowerCase() === 'watch') {
        watches += 1;
        readNext = true;
        return reply;
      }
      if (!readNext) return reply;
      readNext = false;
      const watch = watches;
      return armed ? reply.then(async (value) => { armed = await meanwhile(watch); return value; }) : reply;
    }) as typeof stateRedis.sendCommand;
  }

  const points = () => redis.lrange(REDIS_KEYS.metricsBuffer, 0, -1);
  /** Times of the probe points (state changes are points of their own, `state_change`). */
  const pointTimes = async () => (await points()).filter((line) => line.startsWith('probe,')).map((line) => Number(line.split(' ').at(-1)));

  it('retries after the conflict and commits once, on top of the other evaluator\'s state', async () => {
    // The other evaluator applies the first failure (pending); this one, the second (down).
    afterWatchedRead(async () => {
      await evaluateBatch(deps(otherStateRedis), checks, failure(1_000));
      return false;
    });
    await evaluateBatch(deps(stateRedis), checks, failure(2_000));

    // One WATCH whose EXEC was aborted by the concurrent write, one that committed.
    expect(watches).toBe(2);
    // Had the first attempt committed what it derived from its read (before the write), this would be pending with 1 failure.
    expect(JSON.parse((await redis.get(REDIS_KEYS.checkState('api@default')))!)).toMatchObject({
      status: 'down', consecutiveFailures: 2, lastTick: 2_000, failingSince: 1_000,
    });
    expect(await redis.smembers(REDIS_KEYS.failing)).toEqual(['api@default']);
    // Each batch's point once: the aborted attempt pushed nothing.
    expect((await pointTimes()).sort((a, b) => a - b)).toEqual([1_000, 2_000]);
    const queued = (await alerts.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed'])).map((job) => job.data);
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ status: 'firing', labels: { check: 'api' }, startsAt: new Date(1_000).toISOString() });
  });

  it('queues no alert for an attempt that lost the conflict and whose result turned out stale', async () => {
    await evaluateBatch(deps(stateRedis), checks, failure(1_000));
    // This evaluator's tick 2 would take the check down; the other one commits a newer success first.
    afterWatchedRead(async () => {
      await evaluateBatch(deps(otherStateRedis), checks, success(3_000));
      return false;
    });
    await evaluateBatch(deps(stateRedis), checks, failure(2_000));

    expect(JSON.parse((await redis.get(REDIS_KEYS.checkState('api@default')))!)).toMatchObject({ status: 'up', lastTick: 3_000 });
    expect(await alerts.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed'])).toEqual([]);
    expect(await redis.hlen(REDIS_KEYS.activeAlerts)).toBe(0);
    expect(await redis.llen(REDIS_KEYS.alertOutbox)).toBe(0);
  });

  it('gives up with an error, committing nothing of its own, when the state changes under every attempt', async () => {
    // Every attempt is beaten by a newer tick from the other evaluator.
    afterWatchedRead(async (watch) => {
      await evaluateBatch(deps(otherStateRedis), checks, failure(watch));
      return true;
    });
    await expect(evaluateBatch(deps(stateRedis), checks, failure(1_000_000))).rejects.toThrow(/kept changing .*10 conflicts/);
    expect(watches).toBe(10);
    expect(JSON.parse((await redis.get(REDIS_KEYS.checkState('api@default')))!)).toMatchObject({ lastTick: 10 });
    expect((await pointTimes()).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});
