import { describe, expect, it } from 'vitest';
import { ProbeLimiter, type Release, type StartLimits } from '../../../services/probe-worker/limiter.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));
const FAR: StartLimits = { startByMs: Number.MAX_SAFE_INTEGER, deadlineMs: Number.MAX_SAFE_INTEGER };
/** The same limit whatever the probe waits for. */
const by = (ms: number): StartLimits => ({ startByMs: ms, deadlineMs: ms });

/** A limiter on a clock the test moves by hand. */
function limiterAt(maxInFlight: number, maxPerHost: number, lifoAfterMs = 100) {
  const clock = { now: 1_000 };
  return { limiter: new ProbeLimiter(maxInFlight, maxPerHost, lifoAfterMs, () => clock.now), clock };
}

/** Queues a waiter and records the order in which waiters are let in (or turned away). */
function waitFor(limiter: ProbeLimiter, host: string, name: string, log: string[], limits = FAR): Promise<Release | undefined> {
  return limiter.acquire(host, limits).then((release) => {
    log.push(release ? name : `${name}:late`);
    return release;
  });
}

describe('probe limiter', () => {
  it('lets no more than the process limit run at once', async () => {
    const { limiter } = limiterAt(2, 10);
    const [first] = await Promise.all([limiter.acquire('a', FAR), limiter.acquire('b', FAR)]);
    const log: string[] = [];
    void waitFor(limiter, 'c', 'third', log);
    await tick();
    expect(log).toEqual([]);
    first!();
    await tick();
    expect(log).toEqual(['third']);
    expect(limiter.active).toBe(2);
  });

  it('keeps one slow host from taking every place', async () => {
    const { limiter } = limiterAt(10, 2);
    await limiter.acquire('slow', FAR);
    await limiter.acquire('slow', FAR);
    const log: string[] = [];
    void waitFor(limiter, 'slow', 'slow-third', log);
    const other = await limiter.acquire('fast', FAR);
    await tick();
    expect(log).toEqual([]);
    expect(other).toBeDefined();
    expect(limiter.active).toBe(3);
  });

  it('serves a waiting host as soon as one of its own probes ends', async () => {
    const { limiter } = limiterAt(10, 1);
    const first = await limiter.acquire('h', FAR);
    const log: string[] = [];
    void waitFor(limiter, 'h', 'second', log);
    first!();
    await tick();
    expect(log).toEqual(['second']);
  });

  it('counts a release only once', async () => {
    const { limiter } = limiterAt(1, 1);
    const release = await limiter.acquire('h', FAR);
    release!();
    release!();
    expect(limiter.active).toBe(0);
  });

  it('turns a probe away at once when its deadline has already passed', async () => {
    const { limiter, clock } = limiterAt(10, 10);
    expect(await limiter.acquire('h', by(clock.now - 1))).toBeUndefined();
    expect(limiter.active).toBe(0);
  });

  it('answers a waiter whose deadline passed without letting it start, and serves the next one', async () => {
    const { limiter, clock } = limiterAt(1, 1);
    const running = await limiter.acquire('h', FAR);
    const log: string[] = [];
    void waitFor(limiter, 'h', 'expiring', log, by(clock.now + 50));
    void waitFor(limiter, 'h', 'patient', log);
    clock.now += 51;
    running!();
    await tick();
    expect(log).toEqual(['expiring:late', 'patient']);
    expect(limiter.active).toBe(1);
    expect(limiter.waiting).toBe(0);
  });

  it('lets a probe wait for room at its busy host until its deadline', async () => {
    const { limiter, clock } = limiterAt(10, 1);
    const running = await limiter.acquire('busy', FAR);
    const log: string[] = [];
    void waitFor(limiter, 'busy', 'patient', log, { startByMs: clock.now + 50, deadlineMs: clock.now + 5_000 });
    clock.now += 1_000;
    running!();
    await tick();
    expect(log).toEqual(['patient']);
  });

  it('drops a probe waiting because the whole worker is full once its start-by time passes', async () => {
    const { limiter, clock } = limiterAt(1, 10);
    const running = await limiter.acquire('a', FAR);
    const log: string[] = [];
    void waitFor(limiter, 'b', 'behind', log, { startByMs: clock.now + 50, deadlineMs: clock.now + 5_000 });
    clock.now += 1_000;
    running!();
    await tick();
    expect(log).toEqual(['behind:late']);
  });

  it('serves waiters in arrival order while the queue drains quickly', async () => {
    const { limiter, clock } = limiterAt(1, 1, 100);
    const running = await limiter.acquire('h', FAR);
    const log: string[] = [];
    const waiters = ['a', 'b', 'c'].map((name) => waitFor(limiter, 'h', name, log));
    clock.now += 10;
    running!();
    for (const waiter of waiters) (await waiter)!();
    expect(log).toEqual(['a', 'b', 'c']);
  });

  it('serves the newest waiter first once the queue is backed up, so the probes that run start on time', async () => {
    const { limiter, clock } = limiterAt(1, 1, 100);
    const running = await limiter.acquire('h', FAR);
    const log: string[] = [];
    const waiters = ['old', 'middle'].map((name) => waitFor(limiter, 'h', name, log));
    clock.now += 200;
    waiters.push(waitFor(limiter, 'h', 'new', log));
    running!();
    await tick();
    expect(log).toEqual(['new']);
  });

  it('takes hosts in turn when the process limit is the bottleneck', async () => {
    const { limiter } = limiterAt(1, 10);
    const running = await limiter.acquire('a', FAR);
    const log: string[] = [];
    const waiters = [waitFor(limiter, 'a', 'a1', log), waitFor(limiter, 'a', 'a2', log), waitFor(limiter, 'b', 'b1', log)];
    running!();
    for (const index of [0, 2, 1]) (await waiters[index]!)!();
    expect(log).toEqual(['a1', 'b1', 'a2']);
  });

  it('sheds a backlog of 100,000 expired waiters in one pass, each answered once', async () => {
    const { limiter, clock } = limiterAt(1, 1);
    const running = await limiter.acquire('h', FAR);
    let late = 0;
    const waiters = Array.from({ length: 100_000 }, () => limiter.acquire('h', by(clock.now + 10)).then((release) => { if (!release) late += 1; }));
    clock.now += 11;
    running!();
    await Promise.all(waiters);
    expect(late).toBe(100_000);
    expect(limiter.waiting).toBe(0);
    expect(limiter.active).toBe(0);
  });
});
