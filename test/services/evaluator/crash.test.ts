import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listActiveAlerts, type StateTransition } from '../../../libs/alerts/index.js';
import { createQueue, jobIdOf, type ObservationBatch, type ProbeResultBatch } from '../../../libs/queues/index.js';
import { REDIS_KEYS } from '../../../libs/redis-keys.js';
import { startReaper, type Reaper } from '../../../scripts/local-stack/reaper.js';
import { tcpResult } from '../../support/evaluator.js';
import { eventually, isolatedRedisUrl } from '../../support/infra.js';
import { describeOutput, spawnService, started, type ServiceProcess } from '../../support/services.js';

/**
 * A real evaluator process (services/evaluator/main.ts, configured from a file as any service
 * is) SIGKILLed again and again, at different points of its work, while it works through a
 * long sequence of large result batches, and started again each time. BullMQ hands a killed
 * evaluator's batch to the next one once the batch's lock (10 s) has lapsed and a stalled-job
 * check (every 10 s) has seen it, so the test waits out one such recovery, for all the kills
 * at once.
 *
 * The checks are split into groups, one batch per group and tick, and a group's next tick is
 * only queued once its previous batch is evaluated: each check's results reach the evaluator
 * in order, as they do when a check's interval is longer than the recovery, while the other
 * groups keep the evaluator busy. (Had a later tick of a check been evaluated first, the
 * recovered batch would be ignored as out of order: nothing any evaluator could get right.)
 *
 * No batch is killed twice, so every kill happens before the first killed batch can be taken
 * up again and the test waits out one recovery only (the evaluator's results worker takes a
 * batch up again however often it stalls: maxStalledCount is high). A kill "queued" lands once
 * the batch's alert events are on the alerts queue, which the outbox does right after commit.
 */

const GROUPS = 6;
const CHECKS_PER_GROUP = 200;
const TICKS = 20;
/** Ticks every group is through before the first kill, so kills land amid outages and recoveries. */
const TICKS_BEFORE_KILLING = 6;
const FAILURE_THRESHOLD = 2;
const SUCCESS_THRESHOLD = 2;
/** Where each kill lands, in order: see killPoint. */
const KILLS = ['taken', 'queued', 'committed', 'taken', 'queued'] as const;
/** A batch's lock, from when it was taken (the evaluator's lockDuration). */
const LOCK_MS = 10_000;

type KillPoint = (typeof KILLS)[number];
type Batch = ProbeResultBatch;

/** This test queues probe batches only. */
function probeBatch(batch: ObservationBatch): ProbeResultBatch {
  if (batch.source === 'watch' || batch.source === 'config' || batch.source === 'heartbeat') throw new Error(`expected a probe batch, got one of source ${batch.source}`);
  return batch;
}

const checkId = (group: number, index: number) => `g${group}-c${index}`;

/**
 * Whether a check's probe failed at a tick: runs of 1 to 4 failures and successes, offset per
 * check, so checks go pending and back, down and up, at every tick of the sequence.
 */
function fails(group: number, index: number, tick: number): boolean {
  const run = 1 + ((index * 7 + group) % 4);
  const phase = (index * 13 + group * 5) % (2 * run);
  return Math.floor((tick + phase) / run) % 2 === 1;
}

const configText = `checks:\n${Array.from({ length: GROUPS }, (_, group) => Array.from({ length: CHECKS_PER_GROUP }, (_, index) =>
  `  - { id: ${checkId(group, index)}, type: tcp, host: 127.0.0.1, port: 1, failureThreshold: ${FAILURE_THRESHOLD}, successThreshold: ${SUCCESS_THRESHOLD}, labels: { group: g${group} } }\n`).join('')).join('')}`;

/** batches[group][tick]: one batch of the group's checks at that tick, ticks a second apart from `startMs`. */
function batchesFrom(startMs: number): Array<Array<{ jobId: string; batch: Batch }>> {
  return Array.from({ length: GROUPS }, (_, group) => Array.from({ length: TICKS }, (_, tick) => ({
    jobId: jobIdOf('crash', group, tick),
    batch: { region: 'default', results: Array.from({ length: CHECKS_PER_GROUP }, (_, index) => tcpResult(checkId(group, index), startMs + tick * 1_000, !fails(group, index, tick))) },
  })));
}

interface Notice {
  check: string;
  status: 'firing' | 'resolved';
  startsAt: string;
  endsAt?: string;
}

interface Expected {
  /** Final status and last applied tick per subject. */
  states: Map<string, { status: string; lastTick: number }>;
  /** Newest first, as the store keeps it, without the reasons. */
  history: Map<string, Array<Pick<StateTransition, 'atMs' | 'from' | 'to'>>>;
  notices: Notice[];
  /** Subject → startsAt of the alert firing at the end. */
  active: Map<string, string>;
}

/**
 * What an evaluator that is never interrupted makes of the batches, worked out from the
 * documented state machine alone: failureThreshold failures in a row go down and fire (the
 * alert starts at the first of them), successThreshold successes in a row come back up and
 * resolve it, a failure short of the threshold is pending and a success before it is up.
 */
function uninterrupted(batches: Array<Array<{ batch: Batch }>>): Expected {
  const states = new Map<string, { status: string; lastTick: number }>();
  const history: Expected['history'] = new Map();
  const notices: Notice[] = [];
  const active = new Map<string, string>();
  const machines = new Map<string, { status: string; failures: number; successes: number; failingSince: number }>();
  for (const { batch } of batches.flat()) {
    for (const result of batch.results) {
      const subject = `${result.checkId}@${result.region}`;
      const machine = machines.get(subject) ?? { status: 'unknown', failures: 0, successes: 0, failingSince: 0 };
      const from = machine.status;
      const iso = (ms: number) => new Date(ms).toISOString();
      if (result.ok) {
        machine.successes += 1;
        machine.failures = 0;
        if (machine.status !== 'down') machine.status = 'up';
        else if (machine.successes >= SUCCESS_THRESHOLD) {
          machine.status = 'up';
          notices.push({ check: result.checkId, status: 'resolved', startsAt: iso(machine.failingSince), endsAt: iso(result.scheduledAt) });
          active.delete(subject);
        }
      } else {
        if (machine.failures === 0 && machine.status !== 'down') machine.failingSince = result.scheduledAt;
        machine.failures += 1;
        machine.successes = 0;
        if (machine.status !== 'down') machine.status = machine.failures >= FAILURE_THRESHOLD ? 'down' : 'pending';
        if (from !== 'down' && machine.status === 'down') {
          notices.push({ check: result.checkId, status: 'firing', startsAt: iso(machine.failingSince) });
          active.set(subject, iso(machine.failingSince));
        }
      }
      machines.set(subject, machine);
      states.set(subject, { status: machine.status, lastTick: result.scheduledAt });
      if (from !== machine.status) {
        history.set(subject, [{ atMs: result.scheduledAt, from, to: machine.status }, ...(history.get(subject) ?? [])]);
      }
    }
  }
  return { states, history, notices, active };
}

/** The subjects whose stored value differs from the expected one, the first few of them, for a readable failure. */
function differences<T>(what: string, subjects: string[], actual: Map<string, T>, expected: Map<string, T>): string[] {
  const wrong = subjects.filter((subject) => !isDeepStrictEqual(actual.get(subject), expected.get(subject)));
  return wrong.slice(0, 3).map((subject) => `${what} of ${subject} (${wrong.length} subjects differ):\n  stored   ${JSON.stringify(actual.get(subject))}\n  expected ${JSON.stringify(expected.get(subject))}`);
}

const noticeKey = (notice: Notice) => `${notice.check} ${notice.startsAt} ${notice.status} ${notice.endsAt ?? ''}`;

describe('an evaluator process killed mid-batch', () => {
  let dir: string;
  let reaper: Reaper;
  let redis: Redis | undefined;
  const processes: ServiceProcess[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-crash-'));
    // The evaluators die with this test file even if the test runner is killed outright.
    reaper = startReaper();
  });
  afterEach(async () => {
    for (const service of processes.splice(0)) {
      await service.stop('SIGKILL');
      reaper.forget(service.child.pid);
    }
    redis?.disconnect();
    redis = undefined;
  });
  afterAll(async () => {
    await reaper.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses and doubles nothing: every check ends with the states, history and alerts of an uninterrupted evaluation', async () => {
    const configPath = join(dir, 'vigil.yaml');
    writeFileSync(configPath, configText);
    // Ticks of today, so nothing in the evaluator takes them for results from long ago.
    const batches = batchesFrom(Math.floor(Date.now() / 1_000) * 1_000);
    const subjects = batches.flatMap((group) => group[0]!.batch.results.map((result) => `${result.checkId}@${result.region}`));
    const expected = uninterrupted(batches);
    const url = await isolatedRedisUrl();
    redis = new Redis(url, { maxRetriesPerRequest: null });
    const results = createQueue('results', redis);
    const alertsQueue = createQueue('alerts', redis);

    const spawnEvaluator = (): ServiceProcess => {
      const service = spawnService('evaluator', { REDIS_URL: url, VIGIL_CONFIG: configPath, LOG_LEVEL: 'info', INFLUX_URL: '' });
      reaper.watch(service.child.pid, 'term');
      processes.push(service);
      return service;
    };
    const fail = (err: unknown): never => {
      throw new Error(`${String(err)}\n${describeOutput(processes.slice(-2), 10)}`);
    };
    const lastTickOf = async (subject: string) => (JSON.parse((await redis!.get(REDIS_KEYS.checkState(subject))) ?? '{}') as { lastTick?: number }).lastTick;

    try {
      let evaluated = 0;
      // Each group's batches in order, the next one once the previous is evaluated; a batch that fails is lost.
      const feeding = (async () => {
        const nextTick = batches.map(() => 0);
        const pending = new Map<number, string>();
        const queueNext = async (group: number) => {
          const { jobId, batch } = batches[group]![nextTick[group]!++]!;
          await results.add('results', batch, { jobId });
          pending.set(group, jobId);
        };
        for (let group = 0; group < GROUPS; group++) await queueNext(group);
        const deadline = Date.now() + 60_000;
        while (pending.size > 0) {
          for (const [group, jobId] of [...pending]) {
            const state = await results.getJobState(jobId);
            if (state === 'failed') throw new Error(`batch ${jobId} failed: ${(await results.getJob(jobId))?.failedReason}`);
            if (state !== 'completed') continue;
            pending.delete(group);
            evaluated += 1;
            if (nextTick[group]! < TICKS) await queueNext(group);
          }
          if (Date.now() > deadline) {
            const states = await Promise.all([...pending.values()].map(async (jobId) => `${jobId} ${await results.getJobState(jobId)}`));
            const last = processes.at(-1)?.child;
            throw new Error(`batches still not evaluated: ${states.join(', ')}; the evaluator ${last?.exitCode === null && last.signalCode === null ? 'runs' : 'has exited'}`);
          }
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();
      const fed = feeding.then(() => undefined, (err: unknown) => err);

      let evaluator = spawnEvaluator();
      await started(evaluator).catch(fail);
      await eventually(`${TICKS_BEFORE_KILLING} ticks evaluated`, () => evaluated >= GROUPS * TICKS_BEFORE_KILLING || undefined, 20_000, 5).catch(fail);
      // Batches the killed evaluators held, taken up again only once their locks lapse.
      const held = new Set<string>();
      const landed: Array<{ point: KillPoint; held: boolean; committed: boolean }> = [];
      let killsBefore = Number.POSITIVE_INFINITY;

      /**
       * Waits for the moment a kill of this kind should land in a batch no evaluator has held
       * before: as soon as the evaluator has taken it; once its alert notices are queued, which
       * comes just before its states are written; once its states are written (one MULTI),
       * before BullMQ hears that it is done. False when it is too late to kill.
       */
      const killPoint = async (point: KillPoint): Promise<boolean> => {
        await started(evaluator);
        const job = await eventually('the evaluator to take a batch', async () => (await results.getActive()).find((active) => !held.has(active.id!) && active.stalledCounter === 0), 20_000, 1);
        const first = probeBatch(job.data).results[0]!;
        const committed = async () => (await lastTickOf(`${first.checkId}@${first.region}`)) === first.scheduledAt;
        if (point === 'queued') {
          const before = await alertsQueue.count();
          // A batch that raises no alert is killed once committed instead.
          await eventually('the batch to queue its alerts', async () => (await alertsQueue.count()) > before || (await committed()) || undefined, 10_000, 0);
        }
        if (point === 'committed') await eventually('the batch to commit', async () => (await committed()) || undefined, 10_000, 0);
        return Date.now() < killsBefore;
      };

      for (const point of KILLS) {
        if (!(await killPoint(point).catch(fail))) break;
        await evaluator.stop('SIGKILL');
        reaper.forget(evaluator.child.pid);
        const taken = (await results.getActive()).filter((job) => !held.has(job.id!));
        for (const job of taken) held.add(job.id!);
        const committed = await Promise.all(taken.map(async (job) => {
          const first = probeBatch(job.data).results[0]!;
          return (await lastTickOf(`${first.checkId}@${first.region}`)) === first.scheduledAt;
        }));
        landed.push({ point, held: taken.length > 0, committed: committed.some(Boolean) });
        // The first batch taken up again comes back no sooner than its lock lapses; stop killing well before.
        for (const job of taken) killsBefore = Math.min(killsBefore, (job.processedOn ?? Date.now()) + LOCK_MS - 1_000);
        evaluator = spawnEvaluator();
      }

      const error = await fed;
      if (error) fail(error);
      expect(landed.filter((kill) => kill.held).length, `kills that left a batch half done: ${JSON.stringify(landed)}`).toBeGreaterThanOrEqual(3);
      expect(await results.getJobCounts('failed', 'waiting', 'active', 'delayed')).toMatchObject({ failed: 0, waiting: 0, active: 0, delayed: 0 });

      // Nothing lost, nothing doubled: states, histories, alert notices and the alerts firing.
      const texts = await redis.mget(...subjects.map(REDIS_KEYS.checkState));
      const states = new Map(subjects.map((subject, index) => {
        const state = texts[index] ? JSON.parse(texts[index]!) as { status: string; lastTick: number } : undefined;
        return [subject, state && { status: state.status, lastTick: state.lastTick }];
      }));
      const pipeline = redis.pipeline();
      for (const subject of subjects) pipeline.lrange(REDIS_KEYS.stateHistory(subject), 0, -1);
      const lists = (await pipeline.exec())!.map(([err, list]) => {
        if (err) throw err;
        // Each change once, in order; the wording of its reason is not what this test is about.
        return (list as string[]).map((text) => {
          const { atMs, from, to } = JSON.parse(text) as StateTransition;
          return { atMs, from, to };
        });
      });
      const history = new Map(subjects.map((subject, index) => [subject, lists[index]!]));
      const expectedHistory = new Map(subjects.map((subject) => [subject, expected.history.get(subject) ?? []]));
      expect([...differences('state', subjects, states, expected.states), ...differences('history', subjects, history, expectedHistory)]).toEqual([]);

      const queued: Notice[] = (await alertsQueue.getJobs(['waiting', 'paused', 'prioritized', 'delayed', 'active', 'completed', 'failed'])).map(({ data }) => ({
        check: data.labels.check!, status: data.status, startsAt: data.startsAt, ...(data.endsAt === undefined ? {} : { endsAt: data.endsAt }),
      }));
      const count = (notices: Notice[]) => notices.reduce((counts, notice) => counts.set(noticeKey(notice), (counts.get(noticeKey(notice)) ?? 0) + 1), new Map<string, number>());
      const [got, want] = [count(queued), count(expected.notices)];
      const wrong = [...new Set([...got.keys(), ...want.keys()])].filter((key) => got.get(key) !== want.get(key));
      expect(wrong.slice(0, 5).map((key) => `${key}: queued ${got.get(key) ?? 0}, expected ${want.get(key) ?? 0}`), `${wrong.length} alert notices wrong of ${expected.notices.length}`).toEqual([]);
      expect(queued).toHaveLength(expected.notices.length);

      const active = new Map((await listActiveAlerts(redis)).map((alert) => [alert.subject, alert.startsAt]));
      expect(differences('the firing alert', subjects, active, expected.active)).toEqual([]);
      expect(active.size).toBe(expected.active.size);
    } finally {
      await results.close();
      await alertsQueue.close();
    }
  }, 75_000);
});
