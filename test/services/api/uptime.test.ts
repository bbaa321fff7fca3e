import { describe, expect, it } from 'vitest';
import type { ResultCounts } from '../../../libs/metrics/index.js';
import { historyPoints, historyStepMs, sparklineOf } from '../../../services/api/series.js';
import { uptimeBucketMs, uptimeOf } from '../../../services/api/uptime.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const c = (up: number, down = 0, maintenance = 0): ResultCounts => ({ up, down, maintenance });
const buckets = (entries: Array<[number, ResultCounts]>) => new Map(entries);

describe('uptimeBucketMs', () => {
  it.each([
    ['24h, 30 s interval: the 5 minute floor', DAY, 5 * MIN, 30_000, 5 * MIN],
    ['24h, 3 min interval: two intervals, up the ladder', DAY, 5 * MIN, 3 * MIN, 10 * MIN],
    ['24h, 7 min interval', DAY, 5 * MIN, 7 * MIN, 15 * MIN],
    ['7d, 30 s interval: the hour floor', 7 * DAY, HOUR, 30_000, HOUR],
    ['7d, 2 h interval', 7 * DAY, HOUR, 2 * HOUR, 4 * HOUR],
    ['24h, 13 h interval: one bucket of a day', DAY, 5 * MIN, 13 * HOUR, DAY],
    ['30d, 13 h interval: the whole window', 30 * DAY, HOUR, 13 * HOUR, 30 * DAY],
  ])('%s', (_, windowMs, minBucketMs, intervalMs, expected) => {
    expect(uptimeBucketMs(windowMs, minBucketMs, intervalMs)).toBe(expected);
  });
});

describe('uptimeOf', () => {
  const window = { fromMs: 0, toMs: 4_000, bucketMs: 1_000, offsetMs: 0, nowMs: 4_000 };

  it.each([
    ['every bucket up', [[0, c(3)], [1_000, c(3)], [2_000, c(3)], [3_000, c(3)]], { uptime: 1, upMs: 4_000, downMs: 0, unknownMs: 0, maintenanceMs: 0 }],
    ['a bucket without results is unknown, not down', [[0, c(3)], [2_000, c(3)], [3_000, c(3)]], { uptime: 1, upMs: 3_000, downMs: 0, unknownMs: 1_000, maintenanceMs: 0 }],
    ['a bucket shares its time by its results', [[0, c(1, 1)], [1_000, c(2)], [2_000, c(2)], [3_000, c(2)]], { uptime: 0.875, upMs: 3_500, downMs: 500, unknownMs: 0, maintenanceMs: 0 }],
    ['retries while down weigh by time, not by count', [[0, c(1)], [1_000, c(0, 9)], [2_000, c(1)], [3_000, c(1)]], { uptime: 0.75, upMs: 3_000, downMs: 1_000, unknownMs: 0, maintenanceMs: 0 }],
    ['maintenance is left out of uptime', [[0, c(1)], [1_000, c(0, 0, 4)], [2_000, c(1)], [3_000, c(0, 1)]], { uptime: 2 / 3, upMs: 2_000, downMs: 1_000, unknownMs: 0, maintenanceMs: 1_000 }],
    ['only maintenance: nothing judged', [[0, c(0, 0, 1)], [1_000, c(0, 0, 1)], [2_000, c(0, 0, 1)], [3_000, c(0, 0, 1)]], { uptime: null, upMs: 0, downMs: 0, unknownMs: 0, maintenanceMs: 4_000 }],
    ['no results at all', [], { uptime: null, upMs: 0, downMs: 0, unknownMs: 4_000, maintenanceMs: 0 }],
  ] as Array<[string, Array<[number, ResultCounts]>, object]>)('%s', (_, entries, expected) => {
    expect(uptimeOf({ ...window, counts: buckets(entries) })).toEqual(expected);
  });

  it('counts only the part of the edge buckets inside the window', () => {
    const figures = uptimeOf({ fromMs: 500, toMs: 3_500, bucketMs: 1_000, offsetMs: 0, nowMs: 10_000, counts: buckets([[0, c(1)], [1_000, c(0, 1)], [2_000, c(1)], [3_000, c(1)]]) });
    expect(figures).toEqual({ uptime: 2 / 3, upMs: 2_000, downMs: 1_000, unknownMs: 0, maintenanceMs: 0 });
  });

  it('does not count the running bucket as unknown before its result is due', () => {
    const figures = uptimeOf({ fromMs: 0, toMs: 3_500, bucketMs: 1_000, offsetMs: 0, nowMs: 3_500, counts: buckets([[0, c(1)], [1_000, c(1)], [2_000, c(1)]]) });
    expect(figures).toEqual({ uptime: 1, upMs: 3_000, downMs: 0, unknownMs: 0, maintenanceMs: 0 });
  });

  it('counts the running bucket once it has a result', () => {
    const figures = uptimeOf({ fromMs: 0, toMs: 3_500, bucketMs: 1_000, offsetMs: 0, nowMs: 3_500, counts: buckets([[0, c(1)], [3_000, c(0, 1)]]) });
    expect(figures).toEqual({ uptime: 2 / 3, upMs: 1_000, downMs: 500, unknownMs: 2_000, maintenanceMs: 0 });
  });

  it('follows a grid that starts at the offset', () => {
    const figures = uptimeOf({ fromMs: 250, toMs: 2_250, bucketMs: 1_000, offsetMs: 250, nowMs: 2_250, counts: buckets([[250, c(1)], [1_250, c(0, 1)]]) });
    expect(figures).toEqual({ uptime: 0.5, upMs: 1_000, downMs: 1_000, unknownMs: 0, maintenanceMs: 0 });
  });
});

describe('historyStepMs', () => {
  it.each([
    ['24h in 200 points', DAY, 200, 432_000],
    ['1h in 200 points', HOUR, 200, 18_000],
    ['1h in 1000 points: rounded up to whole seconds', HOUR, 1_000, 4_000],
    ['a minute in 1000 points: one second at least', MIN, 1_000, 1_000],
  ])('%s', (_, spanMs, points, expected) => {
    expect(historyStepMs(spanMs, points)).toBe(expected);
  });
});

describe('historyPoints', () => {
  it('answers every bucket, the empty ones with nulls and no results', () => {
    const points = historyPoints(0, 3_000, 1_000, buckets([[0, c(3, 1)], [2_000, c(0, 0, 2)]]), new Map([[0, { p50Ms: 10, p95Ms: 20, meanMs: 12 }]]));
    expect(points).toEqual([
      { at: new Date(0).toISOString(), latencyP50Ms: 10, latencyP95Ms: 20, latencyMeanMs: 12, upRatio: 0.75, results: 4 },
      { at: new Date(1_000).toISOString(), latencyP50Ms: null, latencyP95Ms: null, latencyMeanMs: null, upRatio: null, results: 0 },
      { at: new Date(2_000).toISOString(), latencyP50Ms: null, latencyP95Ms: null, latencyMeanMs: null, upRatio: null, results: 2 },
    ]);
  });

  it('never gives more points than asked for', () => {
    const stepMs = historyStepMs(DAY + 1, 200);
    expect(historyPoints(0, DAY + 1, stepMs, undefined, undefined).length).toBeLessThanOrEqual(200);
  });
});

describe('sparklineOf', () => {
  it('gives each bucket\'s mean latency, null where there was none', () => {
    expect(sparklineOf(0, 3_000, 1_000, new Map([[1_000, { p50Ms: 1, p95Ms: 2, meanMs: 1.5 }]]))).toEqual([null, 1.5, null]);
  });
});
