import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { InfluxV1Writer } from '../../libs/metrics/index.js';
import { createQueue, scheduledAtOf } from '../../libs/queues/index.js';
import { startInfluxd, type LocalServer } from '../../scripts/local-stack/servers.js';
import { eventually, influxUrl, isolatedRedisUrl, uniqueName } from '../support/infra.js';
import { startHttpServer, type TestServer } from '../support/http-servers.js';
import { describeOutput, spawnService, started, type ServiceProcess } from '../support/services.js';

/**
 * Faults with real processes: a probe worker killed mid-probe, InfluxDB down mid-run,
 * several scheduler replicas, and retryInterval confirming an outage quickly.
 */

interface CountingTarget extends TestServer {
  /** Requests per path. */
  hits: Map<string, number>;
  total(): number;
  setStatus(code: number): void;
  setDelayMs(ms: number): void;
}

async function startCountingTarget(): Promise<CountingTarget> {
  const hits = new Map<string, number>();
  let status = 200;
  let delayMs = 0;
  const server = await startHttpServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    setTimeout(() => res.writeHead(status).end('ok'), delayMs).unref();
  });
  return {
    ...server,
    hits,
    total: () => [...hits.values()].reduce((a, b) => a + b, 0),
    setStatus: (code) => { status = code; },
    setDelayMs: (ms) => { delayMs = ms; },
  };
}

interface Stack {
  env: NodeJS.ProcessEnv;
  influx: InfluxV1Writer;
  services: ServiceProcess[];
  start(name: string): ServiceProcess;
}

async function stackFor(checksYaml: string[], influxBaseUrl = influxUrl()): Promise<Stack & { dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-resilience-'));
  const configPath = join(dir, 'vigil.yaml');
  writeFileSync(configPath, `checks:\n${checksYaml.join('\n')}\n`);
  const database = uniqueName('resilience');
  const env = { REDIS_URL: await isolatedRedisUrl(), INFLUX_URL: influxBaseUrl, INFLUX_VERSION: '1', INFLUX_DATABASE: database, VIGIL_CONFIG: configPath };
  const services: ServiceProcess[] = [];
  return {
    dir,
    env,
    influx: new InfluxV1Writer({ url: influxBaseUrl, database }),
    services,
    start(name) {
      const service = spawnService(name, env);
      services.push(service);
      return service;
    },
  };
}

async function pointCount(influx: InfluxV1Writer, where = ''): Promise<number> {
  const answer = await influx.query(`SELECT count(success) FROM probe ${where}`) as { results: Array<{ series?: Array<{ values: number[][] }> }> };
  return Number(answer.results[0]?.series?.[0]?.values[0]?.[1] ?? 0);
}

/** The timestamps (epoch ms, the probes' scheduled times) of a check's points, in order. */
async function pointTimes(influx: InfluxV1Writer, check: string): Promise<number[]> {
  const answer = await influx.query(`SELECT success FROM probe WHERE "check" = '${check}'`) as { results: Array<{ series?: Array<{ values: Array<[number, boolean]> }> }> };
  return (answer.results[0]?.series?.[0]?.values ?? []).map(([time]) => time);
}

describe('resilience', () => {
  let stack: (Stack & { dir: string }) | undefined;
  let target: CountingTarget;
  beforeAll(async () => {
    target = await startCountingTarget();
  });
  afterEach(async () => {
    for (const service of [...(stack?.services ?? [])].reverse()) await service.stop('SIGKILL');
    if (stack) rmSync(stack.dir, { recursive: true, force: true });
    stack = undefined;
    target.hits.clear();
    target.setStatus(200);
    target.setDelayMs(0);
  });
  afterAll(() => target.close());

  const fail = (err: unknown): never => {
    throw new Error(`${String(err)}\n${describeOutput(stack?.services ?? [])}`);
  };

  it('a probe worker killed mid-probe loses nothing: another worker probes that tick again, and the tick is stored once', async () => {
    stack = await stackFor([`  - { id: slow, type: http, url: "${target.url}/slow", interval: 20s, timeout: 5s }`]);
    target.setDelayMs(3_000);
    stack.start('evaluator');
    const doomed = stack.start('probe-worker');
    stack.start('scheduler');
    await eventually('the first probe reaches the target', () => (target.hits.get('/slow') ?? 0) >= 1 || undefined, 30_000).catch(fail);
    await doomed.stop('SIGKILL');
    const killedAt = Date.now();
    stack.start('probe-worker');

    // The killed tick was scheduled before the kill; the next one is 20 s later. The killed
    // worker reported nothing, so a point for the tick can only come from a second probe of it.
    await eventually('a second worker probes the tick again', () => (target.hits.get('/slow') ?? 0) >= 2 || undefined, 40_000).catch(fail);
    const [tick, startDelayMs] = await eventually('the killed tick is stored', async () => {
      const answer = await stack!.influx.query(`SELECT start_delay_ms FROM probe WHERE "check" = 'slow' AND time <= ${killedAt}ms`) as { results: Array<{ series?: Array<{ values: Array<[number, number]> }> }> };
      return answer.results[0]?.series?.[0]?.values[0];
    }, 30_000).catch(fail);
    // That probe started after the kill (once the killed worker's lock had lapsed)...
    expect(tick + startDelayMs).toBeGreaterThan(killedAt);
    // ...and the tick has one point, stamped with the tick, not with when the retry ran:
    // no other point before the next tick.
    expect((await pointTimes(stack.influx, 'slow')).filter((time) => time < tick + 20_000)).toEqual([tick]);
  }, 90_000);

  it('InfluxDB down mid-run, and the evaluator killed meanwhile, delays points and loses none: every probe is stored once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-influx-down-'));
    let influxd: LocalServer = await startInfluxd({ dataDir });
    try {
      stack = await stackFor(Array.from({ length: 5 }, (_, i) => `  - { id: c${i}, type: http, url: "${target.url}/c${i}", interval: 1s, timeout: 500ms }`), influxd.url);
      const evaluator = stack.start('evaluator');
      const worker = stack.start('probe-worker');
      const scheduler = stack.start('scheduler');
      await eventually('points arriving', async () => (await pointCount(stack!.influx)) >= 5 || undefined, 20_000).catch(fail);

      // Probes go on while InfluxDB is down, and while the evaluator is killed and replaced.
      const probesWhile = (what: string, count: number) => {
        const from = target.total();
        return eventually(`${count} probes while ${what}`, () => target.total() >= from + count || undefined, 20_000).catch(fail);
      };
      await influxd.stop();
      await probesWhile('InfluxDB is down', 10);
      await evaluator.stop('SIGKILL');
      await started(stack.start('evaluator'));
      await probesWhile('InfluxDB is down, after the evaluator restarted', 10);
      influxd = await startInfluxd({ dataDir, port: influxd.port });
      await probesWhile('InfluxDB is back', 10);

      // Stop probing (the job schedulers live on in Redis, so the worker stops too), then compare.
      await scheduler.stop();
      await worker.stop();
      const probed = target.total();
      // A batch the killed evaluator held comes back only once BullMQ finds it stalled: its
      // lock (30 s by default) lapsed and the next stalled check (every 30 s) has run.
      await eventually('every probe stored', async () => (await pointCount(stack!.influx)) === probed || undefined, 75_000)
        .catch(async (err) => fail(`${err}: ${await pointCount(stack!.influx)} points for ${probed} probes`));
    } finally {
      await influxd.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 150_000);

  it('two scheduler replicas do not probe anything twice: one probe and one point per tick, every tick accounted for', async () => {
    const ids = Array.from({ length: 4 }, (_, i) => `r${i}`);
    stack = await stackFor(ids.map((id) => `  - { id: ${id}, type: http, url: "${target.url}/${id}", interval: 1s, timeout: 500ms }`));
    const evaluator = stack.start('evaluator');
    const worker = stack.start('probe-worker');
    // The worker takes jobs before the first is due, so no tick is late for its start-up.
    await Promise.all([started(evaluator), started(worker)]);
    const schedulers = [stack.start('scheduler'), stack.start('scheduler')];
    await eventually('every check probed 6 times', () => ids.every((id) => (target.hits.get(`/${id}`) ?? 0) >= 6) || undefined, 30_000).catch(fail);

    // Stop probing; the worker finishes the slots it holds, queues their results and reports what it dropped.
    for (const scheduler of schedulers) await scheduler.stop();
    await worker.stop();

    // The ticks the schedulers made: every slot job the worker took (all kept once completed)
    // names its due time, and each of its checks is due at that + the lead + its phase.
    const redis = new Redis(String(stack.env.REDIS_URL));
    const probes = createQueue('probes', redis);
    const slotJobs = await probes.getJobs(['completed']);
    expect(await probes.getJobCounts('active', 'failed')).toEqual({ active: 0, failed: 0 });
    await probes.close();
    redis.disconnect();
    const ticks = new Map(ids.map((id) => [id, [] as number[]]));
    for (const job of slotJobs) {
      for (const check of job.data.checks) ticks.get(check.id)!.push(scheduledAtOf(job) + job.data.leadMs + check.phaseMs);
    }
    const probed = ids.reduce((sum, id) => sum + (target.hits.get(`/${id}`) ?? 0), 0);
    const scheduled = [...ticks.values()].reduce((sum, list) => sum + list.length, 0);

    // Every tick the schedulers made was probed or reported dropped (a worker under load drops
    // probes it cannot start in time), and every probe is a point of its own tick.
    const droppedCount = async () => {
      const answer = await stack!.influx.query('SELECT sum("count") FROM probes_dropped') as { results: Array<{ series?: Array<{ values: number[][] }> }> };
      return Number(answer.results[0]?.series?.[0]?.values[0]?.[1] ?? 0);
    };
    const stored = async () => new Map(await Promise.all(ids.map(async (id) => [id, await pointTimes(stack!.influx, id)] as const)));
    const accounted = async () => {
      const points = await stored();
      const total = [...points.values()].reduce((sum, list) => sum + list.length, 0);
      return total === probed && total + (await droppedCount()) === scheduled ? points : undefined;
    };
    const points = await eventually('every tick stored or reported dropped', accounted, 30_000).catch(async (err) => {
      const points = await stored();
      return fail(`${err}: ${scheduled} ticks scheduled, ${probed} probed, ${[...points.values()].reduce((sum, list) => sum + list.length, 0)} points, ${await droppedCount()} dropped`);
    });
    for (const id of ids) {
      // Twice probed, a tick is one point (same series and time) for two requests: the count
      // per check would fall short of the requests. A point off the schedule is not a tick.
      expect(points.get(id), `${id}: one point per probe`).toHaveLength(target.hits.get(`/${id}`) ?? 0);
      const due = new Set(ticks.get(id));
      expect(due.size, `${id}: each tick scheduled once`).toBe(ticks.get(id)!.length);
      expect(points.get(id)!.filter((time) => !due.has(time)), `${id}: points of scheduled ticks only`).toEqual([]);
    }
  }, 90_000);

  it('retryInterval confirms an outage in seconds instead of intervals', async () => {
    stack = await stackFor([`  - { id: flaky, type: http, url: "${target.url}/flaky", interval: 30s, retryInterval: 1s, timeout: 500ms, failureThreshold: 3 }`]);
    stack.start('evaluator');
    stack.start('probe-worker');
    stack.start('scheduler');
    target.setStatus(503);
    await eventually('the first failing probe', () => (target.hits.get('/flaky') ?? 0) >= 1 || undefined, 40_000).catch(fail);
    const firstFailureAt = Date.now();
    await eventually('three failures in a row', () => (target.hits.get('/flaky') ?? 0) >= 3 || undefined, 15_000).catch(fail);
    expect(Date.now() - firstFailureAt).toBeLessThan(8_000);
    await eventually('the check is down', () => stack!.services.some((s) => s.name === 'evaluator' && s.output.some((line) => line.includes('check is down'))) || undefined, 5_000).catch(fail);
  }, 90_000);
});
