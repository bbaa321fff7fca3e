import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { collectGarbageDuring, SCAN_GC_EVERY_MS } from '../../../services/watcher/scan-memory.js';
import { eventually } from '../../support/infra.js';
import { sleep } from '../../support/recording-receiver.js';

let forced: number;
let observer: PerformanceObserver;

// A gc entry's detail carries its flags (Node 16+); the types of Node 20 do not declare it.
const isForced = (entry: PerformanceEntry) => ((entry as PerformanceEntry & { detail?: { flags?: number } }).detail?.flags ?? 0) & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED;

beforeEach(() => {
  forced = 0;
  observer = new PerformanceObserver((list) => { forced += list.getEntries().filter(isForced).length; });
  observer.observe({ entryTypes: ['gc'] });
});
afterEach(() => observer.disconnect());

it('collects garbage while a scan runs, and stops once every scan is done', async () => {
  let finishFirst: () => void = () => undefined;
  let finishSecond: () => void = () => undefined;
  collectGarbageDuring(new Promise<void>((resolve) => { finishFirst = resolve; }));
  collectGarbageDuring(new Promise<void>((resolve) => { finishSecond = resolve; }));
  await eventually('two forced collections', () => forced >= 2 || undefined, 10 * SCAN_GC_EVERY_MS, 20);

  finishFirst();
  const whileOneRuns = forced;
  await eventually('collections while the second scan runs', () => forced > whileOneRuns || undefined, 10 * SCAN_GC_EVERY_MS, 20);

  finishSecond();
  await sleep(50);
  const atEnd = forced;
  await sleep(3 * SCAN_GC_EVERY_MS);
  expect(forced).toBe(atEnd);
});
