import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../libs/config/index.js';
import { InfluxV1Writer } from '../../../libs/metrics/index.js';
import { createQueue, jobIdOf } from '../../../libs/queues/index.js';
import { REDIS_KEYS } from '../../../libs/redis-keys.js';
import { evaluatorHarness } from '../../support/evaluator.js';
import { eventually, influxUrl, uniqueName } from '../../support/infra.js';

const config = parseConfig('checks: []');
const report = (toMs: number) => ({ region: 'eu', results: [], dropped: { count: 7, fromMs: toMs - 10_000, toMs } });

describe('dropped-probe reports', () => {
  const harness = evaluatorHarness();

  async function send(toMs: number): Promise<void> {
    const results = createQueue('results', harness.redis);
    const job = await results.add('dropped', report(toMs), { jobId: jobIdOf('dropped', 'test', toMs) });
    await eventually('the report evaluated', async () => (await results.getJob(job.id!))?.finishedOn !== undefined || undefined);
    await results.close();
  }

  it('leave nothing in the metrics buffer when no InfluxDB is configured, so nothing piles up undrained', async () => {
    harness.start(config);
    await send(1_700_000_000_000);
    expect(await harness.redis.llen(REDIS_KEYS.metricsBuffer)).toBe(0);
  });

  it('become a probes_dropped point in InfluxDB when it is configured', async () => {
    const metrics = new InfluxV1Writer({ url: influxUrl(), database: uniqueName('dropped') });
    harness.start(config, { metrics, flushIdleMs: 50 });
    await send(1_700_000_100_000);
    const answer = await eventually('the point stored', async () => {
      const result = await metrics.query('SELECT count FROM probes_dropped') as { results: Array<{ series?: Array<{ columns: string[]; values: unknown[][] }> }> };
      return result.results[0]?.series?.[0];
    });
    expect(answer.values).toEqual([[1_700_000_100_000, 7]]);
  });
});
