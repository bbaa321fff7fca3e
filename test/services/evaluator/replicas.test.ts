import { Redis } from 'ioredis';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { historyOfCheck, listActiveAlerts } from '../../../libs/alerts/index.js';
import { parseConfig } from '../../../libs/config/index.js';
import { createQueue, jobIdOf, type AlertEvent, type ProbeResult, type QueuePayloads } from '../../../libs/queues/index.js';
import { startEvaluator, type RunningEvaluator } from '../../../services/evaluator/evaluator.js';
import { tcpResult } from '../../support/evaluator.js';
import { eventually, isolatedRedisUrl } from '../../support/infra.js';

/**
 * Two evaluator replicas, each with connections of its own, consume one results queue on a
 * real Redis. Every result is queued twice under different job ids (once in its slot's batch,
 * once in a batch of its own, as a re-probed slot would), so both replicas see it, often at
 * the same moment; some results arrive after a newer tick of their check has been applied
 * (late), and must change nothing. Rounds are fed one after the other, each once both
 * replicas have finished the previous one, so what the checks go through is known exactly.
 */

const THRESHOLDS = 'failureThreshold: 2, successThreshold: 2';
const config = parseConfig(`
checks:
  - { id: again, type: tcp, host: 127.0.0.1, port: 1, ${THRESHOLDS}, labels: { team: core } }
  - { id: recovers, type: tcp, host: 127.0.0.1, port: 1, ${THRESHOLDS}, labels: { team: core } }
  - { id: late, type: tcp, host: 127.0.0.1, port: 1, ${THRESHOLDS}, labels: { team: core } }
  - { id: steady, type: tcp, host: 127.0.0.1, port: 1, ${THRESHOLDS}, labels: { team: core } }
`);

/** What each check's probe found at ticks 1..10 (tick n is scheduled at n s): o passed, x failed. */
const OUTCOMES: Record<string, string> = {
  again: 'oxxxooxxxx', //    down from 2, up at 6, down again from 7 and still down
  recovers: 'xxooxxxooo', // down from 1, up at 4, down from 5, up at 9
  late: 'ooxxoxxoox', //     tick 4's failure only arrives after tick 5 (see LATE): ignored
  steady: 'oooooooooo',
};
const TICKS = 10;
const at = (tick: number) => tick * 1_000;

/**
 * Results that arrive after a newer tick of their check has been applied, in a round of their
 * own after tick `after`'s: a tick held back from its slot, or a re-probe of an old tick that
 * found the opposite (`flipped`). Each would change the alerts if it were applied.
 */
const LATE: Array<{ check: string; tick: number; after: number; flipped?: true }> = [
  { check: 'late', tick: 4, after: 5 }, //                  up again at 5: would start an outage at 4
  { check: 'again', tick: 4, after: 5, flipped: true }, //    down, one success at 5: would end the outage at 4
  { check: 'recovers', tick: 7, after: 8, flipped: true }, // down, one success at 8: would end the outage at 7
  { check: 'steady', tick: 5, after: 7, flipped: true }, //   up: two failures would take it down
  { check: 'steady', tick: 6, after: 7, flipped: true },
];

function resultOf(check: string, tick: number, flipped = false): ProbeResult {
  const ok = OUTCOMES[check]![tick - 1] === 'o';
  return tcpResult(check, at(tick), flipped ? !ok : ok);
}

interface QueuedBatch {
  jobId: string;
  batch: QueuePayloads['results'];
}

const single = (kind: string, result: ProbeResult): QueuedBatch => ({ jobId: jobIdOf(kind, result.checkId, result.scheduledAt, result.ok ? 'ok' : 'failed'), batch: { region: 'default', results: [result] } });

/**
 * The rounds fed one after the other, each a set of batches under their own job ids in which
 * every result appears twice: a tick's slot batch and a batch per result (as a re-probed slot
 * would bring), or a late result and its copy.
 */
function rounds(): QueuedBatch[][] {
  const all: QueuedBatch[][] = [];
  for (let tick = 1; tick <= TICKS; tick++) {
    const slot = Object.keys(OUTCOMES)
      .filter((check) => !LATE.some((late) => late.check === check && late.tick === tick && !late.flipped))
      .map((check) => resultOf(check, tick));
    all.push([{ jobId: jobIdOf('slot', tick), batch: { region: 'default', results: slot } }, ...slot.map((result) => single('copy', result))]);
    const late = LATE.filter((entry) => entry.after === tick).map((entry) => resultOf(entry.check, entry.tick, entry.flipped));
    if (late.length > 0) all.push(late.flatMap((result) => [single('late', result), single('late-copy', result)]));
  }
  return all;
}

/** A state change as the history records it (its reason text is not what these tests are about). */
function change(check: string, tick: number, from: string, to: string) {
  return { subject: `${check}@default`, atMs: at(tick), from, to };
}

interface Replica {
  evaluator: RunningEvaluator;
  /** State changes this replica committed (it logs each one after its transaction succeeded). */
  commits: number;
}

describe('two evaluator replicas on the same results', () => {
  let url: string;
  let redis: Redis;
  const connections: Redis[] = [];
  const replicas: Replica[] = [];

  beforeEach(async () => {
    url = await isolatedRedisUrl();
    redis = new Redis(url, { maxRetriesPerRequest: null });
    connections.push(redis);
  });
  afterEach(async () => {
    for (const replica of replicas.splice(0)) await replica.evaluator.close();
    await Promise.all(connections.splice(0).map((connection) => connection.quit()));
  });

  function startReplica(): Replica {
    const [queues, states] = [new Redis(url, { maxRetriesPerRequest: null }), new Redis(url, { maxRetriesPerRequest: null })];
    connections.push(queues, states);
    const replica: Replica = { evaluator: undefined as unknown as RunningEvaluator, commits: 0 };
    const log = pino({ level: 'info' }, {
      write(line: string) {
        if (/"msg":"(check is down|check recovered|check state changed)"/.test(line)) replica.commits += 1;
      },
    });
    replica.evaluator = startEvaluator({ redis: queues, stateRedis: states, log, config });
    replicas.push(replica);
    return replica;
  }

  /** Feeds every round to two replicas, each round once the previous one is evaluated. */
  async function runBothReplicas(): Promise<void> {
    const pair = [startReplica(), startReplica()];
    const queue = createQueue('results', redis);
    try {
      for (const [round, batches] of rounds().entries()) {
        await queue.addBulk(batches.map(({ jobId, batch }) => ({ name: 'results', data: batch, opts: { jobId } })));
        await eventually(`round ${round + 1} evaluated`, async () => {
          const states = await Promise.all(batches.map(({ jobId }) => queue.getJobState(jobId)));
          const failed = batches.filter((_, index) => states[index] === 'failed');
          if (failed.length > 0) throw new Error(`batches failed: ${failed.map((b) => b.jobId).join(', ')}`);
          return states.every((state) => state === 'completed') || undefined;
        }, 15_000, 10);
      }
    } finally {
      await queue.close();
    }
    // Otherwise this would be one evaluator seeing duplicates, not two replicas sharing the work.
    expect(pair.map((replica) => replica.commits > 0), 'each replica committed some of the state changes').toEqual([true, true]);
  }

  async function queuedAlerts(): Promise<AlertEvent[]> {
    const alerts = createQueue('alerts', redis);
    try {
      return (await alerts.getJobs(['waiting', 'paused', 'prioritized', 'delayed', 'active', 'completed', 'failed'])).map((job) => job.data);
    } finally {
      await alerts.close();
    }
  }

  it('records each state change of a check once, in order, though both replicas saw every result', async () => {
    await runBothReplicas();
    const chronological = async (check: string) => (await historyOfCheck(redis, check)).reverse().map(({ subject, atMs, from, to }) => ({ subject, atMs, from, to }));
    expect(await chronological('again')).toEqual([
      change('again', 1, 'unknown', 'up'),
      change('again', 2, 'up', 'pending'),
      change('again', 3, 'pending', 'down'),
      change('again', 6, 'down', 'up'),
      change('again', 7, 'up', 'pending'),
      change('again', 8, 'pending', 'down'),
    ]);
    expect(await chronological('recovers')).toEqual([
      change('recovers', 1, 'unknown', 'pending'),
      change('recovers', 2, 'pending', 'down'),
      change('recovers', 4, 'down', 'up'),
      change('recovers', 5, 'up', 'pending'),
      change('recovers', 6, 'pending', 'down'),
      change('recovers', 9, 'down', 'up'),
    ]);
    // Tick 4 came after tick 5: had it been applied, the check would have gone down at 4.
    expect(await chronological('late')).toEqual([
      change('late', 1, 'unknown', 'up'),
      change('late', 3, 'up', 'pending'),
      change('late', 5, 'pending', 'up'),
      change('late', 6, 'up', 'pending'),
      change('late', 7, 'pending', 'down'),
      change('late', 9, 'down', 'up'),
      change('late', 10, 'up', 'pending'),
    ]);
    expect(await chronological('steady')).toEqual([change('steady', 1, 'unknown', 'up')]);
  });

  it('queues one firing notice per outage and one resolved notice per recovery, with the outage\'s start', async () => {
    await runBothReplicas();
    const iso = (tick: number) => new Date(at(tick)).toISOString();
    const summary = (await queuedAlerts())
      .map((alert) => ({ check: alert.labels.check, status: alert.status, startsAt: alert.startsAt, ...(alert.endsAt === undefined ? {} : { endsAt: alert.endsAt }) }))
      .sort((a, b) => `${a.check} ${a.startsAt} ${a.status}`.localeCompare(`${b.check} ${b.startsAt} ${b.status}`));
    expect(summary).toEqual([
      { check: 'again', status: 'firing', startsAt: iso(2) },
      { check: 'again', status: 'resolved', startsAt: iso(2), endsAt: iso(6) },
      { check: 'again', status: 'firing', startsAt: iso(7) },
      { check: 'late', status: 'firing', startsAt: iso(6) },
      { check: 'late', status: 'resolved', startsAt: iso(6), endsAt: iso(9) },
      { check: 'recovers', status: 'firing', startsAt: iso(1) },
      { check: 'recovers', status: 'resolved', startsAt: iso(1), endsAt: iso(4) },
      { check: 'recovers', status: 'firing', startsAt: iso(5) },
      { check: 'recovers', status: 'resolved', startsAt: iso(5), endsAt: iso(9) },
    ]);
  });

  it('lists as firing only the check that is still down, with the start of its current outage', async () => {
    await runBothReplicas();
    expect(await listActiveAlerts(redis)).toMatchObject([
      { rule: 'down', subject: 'again@default', labels: { alertname: 'CheckDown', check: 'again', team: 'core' }, startsAt: new Date(at(7)).toISOString() },
    ]);
    expect(await listActiveAlerts(redis)).toHaveLength(1);
  });
});
