import { describe, expect, it } from 'vitest';
import { fingerprintOf } from '../../../../libs/alerts/index.js';
import type { WatchObservation } from '../../../../libs/queues/index.js';
import { applyWatchBatch } from '../../../../services/evaluator/watches/apply-watch.js';
import { describeChange, keptSizes, MAX_SIZE_SAMPLES } from '../../../../services/evaluator/watches/file-rules.js';
import type { WatchState } from '../../../../services/evaluator/watches/watch-state.js';
import { batchOf, file, HOST, watchOf } from './support.js';

const NOW = 100_000;
const event = (kind: 'add' | 'change' | 'unlink' | 'addDir' | 'unlinkDir', atMs: number, fields: Partial<Extract<WatchObservation, { kind: 'event' }>> = {}): WatchObservation =>
  ({ kind: 'event', event: kind, path: '/srv/app.conf', atMs, ...fields });
const stat = (atMs: number, fields: { exists?: boolean; sizeBytes?: number; mtimeMs?: number } = {}): WatchObservation =>
  ({ kind: 'stat', path: '/srv/app.conf', atMs, exists: true, ...fields });

/** Applies batches one after another; returns every notified event and the last state. */
function run(watchFields: string, ...batches: WatchObservation[][]): { state: WatchState; notified: Array<{ status: string; alertname: string; annotations: Record<string, string> }>; refreshed: number } {
  const watch = watchOf(watchFields);
  let state: WatchState | undefined;
  const notified: Array<{ status: string; alertname: string; annotations: Record<string, string> }> = [];
  let refreshed = 0;
  for (const observations of batches) {
    const nowMs = Math.max(NOW, ...observations.map((observation) => observation.atMs));
    const step = applyWatchBatch(state, batchOf(...observations), watch, nowMs);
    state = step.after;
    for (const { event: alert, notify } of step.raised) {
      if (notify) notified.push({ status: alert.status, alertname: alert.labels.alertname!, annotations: alert.annotations });
      else refreshed += 1;
    }
  }
  return { state: state!, notified, refreshed };
}

const statuses = (outcome: ReturnType<typeof run>) => outcome.notified.map(({ status, alertname }) => `${alertname}:${status}`);

describe('FileChanged', () => {
  it.each([
    { on: '', kind: 'change' as const, fires: true },
    { on: '', kind: 'add' as const, fires: true },
    { on: '', kind: 'unlink' as const, fires: true },
    { on: 'on: [unlink]', kind: 'change' as const, fires: false },
    { on: 'on: [addDir]', kind: 'addDir' as const, fires: true },
  ])('an event $kind with watch `$on` fires: $fires', ({ on, kind, fires }) => {
    expect(statuses(run(on, [event(kind, 2_000)]))).toEqual(fires ? ['FileChanged:firing'] : []);
  });

  it('labels the alert with the watch, host and path, warning unless the watch sets a severity', () => {
    const watch = watchOf('labels: { team: ops }');
    const [raised] = applyWatchBatch(undefined, batchOf(event('change', 2_000)), watch, NOW).raised;
    const identity = { team: 'ops', alertname: 'FileChanged', watch: 'w', host: HOST, path: '/srv/app.conf' };
    expect(raised!.event.labels).toEqual({ ...identity, severity: 'warning' });
    expect(raised!.event.fingerprint).toBe(fingerprintOf(identity));
    const paging = applyWatchBatch(undefined, batchOf(event('change', 2_000)), watchOf('labels: { severity: page }'), NOW).raised[0]!;
    expect(paging.event.labels.severity).toBe('page');
  });

  it('says what changed with integrity: old and new sha256, size, mode and owner', () => {
    const change = event('change', 2_000, { before: file(), after: file({ sha256: 'b'.repeat(64), sizeBytes: 12, mode: '0600', owner: '0:1' }) });
    const { description, details } = describeChange(change as Extract<WatchObservation, { kind: 'event' }>, true);
    expect(details).toEqual({
      event: 'change', old_sha256: 'a'.repeat(64), new_sha256: 'b'.repeat(64), old_size: '10', new_size: '12', old_mode: '0644', new_mode: '0600', old_owner: '0:0', new_owner: '0:1',
    });
    expect(description).toBe(`the file was changed: sha256 ${'a'.repeat(64)} → ${'b'.repeat(64)}; size 10 → 12 bytes; mode 0644 → 0600; owner 0:0 → 0:1`);
  });

  it.each([
    { integrity: false, observation: event('change', 2_000), description: 'the file was changed' },
    { integrity: true, observation: event('add', 2_000, { after: file() }), description: `the file was added: sha256 ${'a'.repeat(64)}; size 10 bytes; mode 0644; owner 0:0` },
    { integrity: true, observation: event('unlink', 2_000, { before: file() }), description: `the file was removed: sha256 was ${'a'.repeat(64)}; size was 10 bytes; mode was 0644; owner was 0:0` },
  ])('describes $observation.event with integrity $integrity', ({ integrity, observation, description }) => {
    expect(describeChange(observation as Extract<WatchObservation, { kind: 'event' }>, integrity).description).toBe(description);
  });

  it('takes the same change delivered again for no news, in the same batch or a later one', () => {
    const change = event('change', 2_000, { after: file({ sha256: 'c'.repeat(64) }) });
    expect(statuses(run('integrity: true', [change, change], [{ ...change, atMs: 3_000 }]))).toEqual(['FileChanged:firing']);
  });

  it('refreshes a firing alert on another change without notifying again', () => {
    const outcome = run('integrity: true', [event('change', 2_000, { after: file({ sha256: 'c'.repeat(64) }) })], [event('change', 3_000, { after: file({ sha256: 'd'.repeat(64) }) })]);
    expect(statuses(outcome)).toEqual(['FileChanged:firing']);
    expect(outcome.refreshed).toBe(1);
    expect(outcome.state.paths['/srv/app.conf']!.alerts!['file-change']!.firedAtMs).toBe(3_000);
  });

  it('keeps no entry for paths of a plain change watch without a firing alert', () => {
    const observations = Array.from({ length: 1_000 }, (_, index): WatchObservation => ({ kind: 'stat', path: `/srv/f${index}`, atMs: 2_000 + index, exists: true, sizeBytes: 1, mtimeMs: 1 }));
    expect(run('', observations).state.paths).toEqual({});
  });

  it('reports problems without alerting', () => {
    const step = applyWatchBatch(undefined, batchOf({ kind: 'problem', path: '/srv/secret', atMs: 2_000, code: 'EACCES', message: 'permission denied' }), watchOf(), NOW);
    expect(step.raised).toEqual([]);
    expect(step.problems).toEqual([expect.objectContaining({ path: '/srv/secret', code: 'EACCES' })]);
  });
});

describe('FileMissing', () => {
  it.each([
    { name: 'a stat without the file', batches: [[stat(2_000, { exists: false })]], expected: ['FileMissing:firing'] },
    { name: 'an unlink', batches: [[event('unlink', 2_000)]], expected: ['FileMissing:firing'] },
    { name: 'an unlink, then an add', batches: [[event('unlink', 2_000)], [event('add', 3_000)]], expected: ['FileMissing:firing', 'FileMissing:resolved'] },
    { name: 'an unlink, then a stat that finds it', batches: [[event('unlink', 2_000)], [stat(3_000)]], expected: ['FileMissing:firing', 'FileMissing:resolved'] },
    { name: 'an unlink and an add in one batch', batches: [[event('unlink', 2_000), event('add', 2_001)]], expected: [] },
    { name: 'a missing file seen missing again', batches: [[stat(2_000, { exists: false })], [stat(3_000, { exists: false })]], expected: ['FileMissing:firing'] },
  ])('mustExist: $name', ({ batches, expected }) => {
    expect(statuses(run('mustExist: true', ...batches))).toEqual(expected);
  });
});

describe('FileStale', () => {
  const HOUR = 3_600_000;
  it.each([
    { name: 'a file changed within maxAge', observations: [stat(NOW, { mtimeMs: NOW - HOUR / 2 })], expected: [] },
    { name: 'a file older than maxAge', observations: [stat(NOW, { mtimeMs: NOW - 2 * HOUR })], expected: ['FileStale:firing'] },
    { name: 'an event dating the change by its after description', observations: [event('change', NOW, { after: file({ mtimeMs: NOW - 2 * HOUR }) })], expected: ['FileStale:firing'] },
  ])('maxAge 1h: $name', ({ observations, expected }) => {
    expect(statuses(run('maxAge: 1h', observations))).toEqual(expected);
  });

  it('resolves when the file changes again, and starts at the moment it went stale', () => {
    const outcome = run('maxAge: 1h', [stat(NOW, { mtimeMs: NOW - 2 * HOUR })], [event('change', NOW + 1_000)]);
    expect(statuses(outcome)).toEqual(['FileStale:firing', 'FileStale:resolved']);
    expect(outcome.state.paths['/srv/app.conf']!.mtimeMs).toBe(NOW + 1_000);
  });

  it('forgets a removed file rather than calling it stale', () => {
    const outcome = run('maxAge: 1h', [stat(NOW, { mtimeMs: NOW - 2 * HOUR })], [event('unlink', NOW + 1_000)]);
    expect(statuses(outcome)).toEqual(['FileStale:firing', 'FileStale:resolved']);
    expect(outcome.state.paths).toEqual({});
  });
});

describe('FileTooLarge and FileGrowthPredicted', () => {
  it.each([
    { sizes: [500], expected: [] },
    { sizes: [1_500], expected: ['FileTooLarge:firing'] },
    { sizes: [1_500, 1_700], expected: ['FileTooLarge:firing'] },
    { sizes: [1_500, 900], expected: ['FileTooLarge:firing', 'FileTooLarge:resolved'] },
  ])('maxSize 1000 bytes, sizes $sizes', ({ sizes, expected }) => {
    expect(statuses(run('maxSize: 1000', ...sizes.map((sizeBytes, index) => [stat(2_000 + index, { sizeBytes })])))).toEqual(expected);
  });

  const growing = (bytesPerStep: number, steps: number) => Array.from({ length: steps }, (_, index) => [stat(NOW + index * 300_000, { sizeBytes: 100 + index * bytesPerStep })]);

  it('predicts a file growing toward maxSize within predictWithin', () => {
    const outcome = run('maxSize: 1000, predictWithin: 1h', ...growing(100, 4));
    expect(statuses(outcome)).toEqual(['FileGrowthPredicted:firing']);
    expect(outcome.notified[0]!.annotations.description).toMatch(/reaches maxSize \(1000 bytes\) at .* within 1h/);
  });

  it('predicts nothing for a file growing too slowly to reach it within predictWithin', () => {
    expect(statuses(run('maxSize: 1000, predictWithin: 1h', ...growing(1, 6)))).toEqual([]);
  });

  it('resolves the prediction when the file stops growing', () => {
    const outcome = run('maxSize: 1MB, predictWithin: 1h', ...growing(100_000, 4), ...Array.from({ length: 8 }, (_, index) => [stat(NOW + 1_200_000 + index * 300_000, { sizeBytes: 400_100 })]));
    expect(statuses(outcome)).toEqual(['FileGrowthPredicted:firing', 'FileGrowthPredicted:resolved']);
  });

  it('keeps a bounded number of sizes however many come', () => {
    const samples = Array.from({ length: 10_000 }, (_, index) => ({ atMs: index * 1_000, value: index }));
    const kept = keptSizes([], samples, 3_600_000);
    expect(kept.length).toBeLessThanOrEqual(MAX_SIZE_SAMPLES);
    expect(kept.at(-1)).toEqual(samples.at(-1));
  });
});

describe('LogPatternMatched', () => {
  const lines = (atMs: number, matched: number, samples: string[] = []): WatchObservation => ({ kind: 'lines', path: '/srv/app.log', atMs, read: matched + 1, matched, samples, truncated: 0 });

  it.each([
    { name: 'fewer matches than the count', batches: [[lines(2_000, 2, ['ERROR a', 'ERROR b'])]], expected: [] },
    { name: 'the count in one batch', batches: [[lines(2_000, 3, ['ERROR a', 'ERROR b', 'ERROR c'])]], expected: ['LogPatternMatched:firing'] },
    { name: 'the count over batches within the window', batches: [[lines(2_000, 2)], [lines(30_000, 1)]], expected: ['LogPatternMatched:firing'] },
    { name: 'the count spread wider than the window', batches: [[lines(2_000, 2)], [lines(70_000, 1)]], expected: [] },
    { name: 'lines without matches', batches: [[lines(2_000, 0)], [lines(3_000, 0)]], expected: [] },
  ])('threshold 3 within 1m: $name', ({ batches, expected }) => {
    expect(statuses(run('match: ERROR, threshold: { count: 3, within: 1m }', ...batches))).toEqual(expected);
  });

  it('carries the sample lines, each cut to a bounded length', () => {
    const long = `ERROR ${'x'.repeat(1_000)}`;
    const outcome = run('match: ERROR, threshold: { count: 2, within: 1m }', [lines(2_000, 2, ['ERROR disk full', long])]);
    const samples = outcome.notified[0]!.annotations.samples!.split('\n');
    expect(samples[0]).toBe('ERROR disk full');
    expect(samples[1]!.length).toBeLessThanOrEqual(200);
    expect(outcome.notified[0]!.annotations.description).toBe('at least 2 lines matching /ERROR/ within 1m');
  });

  it('resolves when new lines come after the matches have left the window', () => {
    expect(statuses(run('match: ERROR, threshold: { count: 2, within: 1m }', [lines(2_000, 2)], [lines(90_000, 0)]))).toEqual(['LogPatternMatched:firing', 'LogPatternMatched:resolved']);
  });
});
