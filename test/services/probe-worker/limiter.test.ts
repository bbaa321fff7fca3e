import { describe, expect, it } from 'vitest';
import { ProbeLimiter } from '../../../services/probe-worker/limiter.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('probe limiter', () => {
  it('lets no more than the process limit run at once', async () => {
    const limiter = new ProbeLimiter(2, 10);
    const releases = await Promise.all([limiter.acquire('a'), limiter.acquire('b')]);
    let third = false;
    void limiter.acquire('c').then(() => { third = true; });
    await tick();
    expect(third).toBe(false);
    releases[0]!();
    await tick();
    expect(third).toBe(true);
    expect(limiter.active).toBe(2);
  });

  it('keeps one slow host from taking every slot', async () => {
    const limiter = new ProbeLimiter(10, 2);
    await limiter.acquire('slow');
    await limiter.acquire('slow');
    let slowThird = false;
    void limiter.acquire('slow').then(() => { slowThird = true; });
    const other = await limiter.acquire('fast');
    await tick();
    expect(slowThird).toBe(false);
    other();
    expect(limiter.active).toBe(2);
  });

  it('serves a waiting host as soon as one of its own probes ends', async () => {
    const limiter = new ProbeLimiter(10, 1);
    const first = await limiter.acquire('h');
    let second = false;
    void limiter.acquire('h').then(() => { second = true; });
    first();
    await tick();
    expect(second).toBe(true);
  });

  it('counts a release only once', async () => {
    const limiter = new ProbeLimiter(1, 1);
    const release = await limiter.acquire('h');
    release();
    release();
    expect(limiter.active).toBe(0);
  });
});
