import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../libs/config/index.js';
import { REDIS_KEYS } from '../../../libs/redis-keys.js';
import { sampleCount, type LatencyWindow } from '../../../services/evaluator/rules/latency.js';
import { evaluatorHarness, tcpResult } from '../../support/evaluator.js';

/**
 * Rule memory (here the latency window) is written to its own key at most every 10 s, the
 * state on every result; the evaluator keeps the newest memory and writes it when it stops.
 */
const harness = evaluatorHarness();
const config = parseConfig('checks:\n  - { id: api, type: tcp, host: 127.0.0.1, port: 1, interval: 10s, latency: { p95: 800ms, over: 5m } }\n', {});
const START = Date.parse('2026-03-01T12:00:00Z');
const result = (n: number) => ({ ...tcpResult('api', START + n * 10_000, true), timings: { totalMs: 100 + n } });

async function writtenWindow(): Promise<LatencyWindow | undefined> {
  const text = await harness.redis.get(REDIS_KEYS.ruleMemory('api@default'));
  return text ? (JSON.parse(text) as { latency?: LatencyWindow }).latency : undefined;
}

describe('rule memory', () => {
  it('is kept out of the state, which every result rewrites', async () => {
    await harness.redis.flushdb();
    harness.start(config);
    await harness.feed(result(1));
    const state = JSON.parse((await harness.redis.get(REDIS_KEYS.checkState('api@default')))!) as Record<string, unknown>;
    expect(state.memory).toBeUndefined();
    expect(sampleCount((await writtenWindow())!)).toBe(1);
  });

  it('is written at most every 10 s, and in full when the evaluator stops', async () => {
    await harness.redis.flushdb();
    const evaluator = harness.start(config);
    for (const n of [1, 2, 3]) await harness.feed(result(n));
    expect(sampleCount((await writtenWindow())!)).toBe(1);

    await harness.stop(evaluator);
    expect(sampleCount((await writtenWindow())!)).toBe(3);
  });

  it('lets the next evaluator go on with the window the last one built', async () => {
    await harness.redis.flushdb();
    const first = harness.start(config);
    for (const n of [1, 2]) await harness.feed(result(n));
    await harness.stop(first);

    const second = harness.start(config);
    await harness.feed(result(3));
    await harness.stop(second);
    expect(sampleCount((await writtenWindow())!)).toBe(3);
  });

  it('goes with its state when a check is removed', async () => {
    await harness.redis.flushdb();
    const evaluator = harness.start(config);
    await harness.feed(result(1));
    await evaluator.apply(parseConfig('checks: []\n', {}));
    expect(await harness.redis.exists(REDIS_KEYS.checkState('api@default'), REDIS_KEYS.ruleMemory('api@default'))).toBe(0);
  });
});
