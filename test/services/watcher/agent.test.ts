import { appendFileSync, chmodSync, copyFileSync, mkdirSync, mkdtempSync, realpathSync, renameSync, rmSync, symlinkSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { watch as watchSchema, type WatchConfig } from '../../../libs/config/watches.js';
import { createQueue, createRedis, type ObservationBatch, type WatchObservation, type WatchObservationBatch } from '../../../libs/queues/index.js';
import { REDIS_KEYS } from '../../../libs/redis-keys.js';
import { startFileAgent, type FileAgent } from '../../../services/watcher/agent.js';
import { eventually, isolatedRedisUrl, uniqueName } from '../../support/infra.js';
import { chmodStopsReading } from '../../support/permissions.js';
import { sleep } from '../../support/recording-receiver.js';

/** How long to keep listening after the expected observations arrived, to catch one too many. */
const QUIET_MS = 400;


let redis: Redis;
let results: Queue<ObservationBatch>;
let dir: string;
const agents: FileAgent[] = [];
let warnings: Array<{ msg: string; path?: string; code?: string; watchId?: string; host?: string }>;

beforeAll(async () => {
  redis = createRedis(await isolatedRedisUrl());
  results = createQueue('results', redis);
});
afterAll(async () => {
  await results.close();
  await redis.quit();
});
beforeEach(() => {
  // realpath: observations name resolved paths, and the temporary folder may sit behind a link.
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'vigil-agent-')));
  warnings = [];
});
afterEach(async () => {
  for (const agent of agents.splice(0)) await agent.close();
  rmSync(dir, { recursive: true, force: true });
});

const at = (...parts: string[]) => join(dir, ...parts);

function watchOf(fields: Record<string, unknown>): WatchConfig {
  return watchSchema.parse({ id: uniqueName('w').toLowerCase().replaceAll('_', '-'), paths: [dir], ...fields });
}

async function startAgent(watches: WatchConfig[], { startedAtMs, host = 'test-host' }: { startedAtMs?: number; host?: string } = {}): Promise<FileAgent> {
  const log = pino({ level: 'warn' }, { write: (line: string) => { warnings.push(JSON.parse(line)); } });
  const agent = await startFileAgent({ redis, log, host, watches, ...(startedAtMs === undefined ? {} : { startedAtMs }) });
  agents.push(agent);
  return agent;
}

async function stopAgent(agent: FileAgent): Promise<void> {
  agents.splice(agents.indexOf(agent), 1);
  await agent.close();
}

/** The batches of one watch on `results`, in the order they were queued. */
async function batchesOf(watchId: string): Promise<WatchObservationBatch[]> {
  const jobs = await results.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized'], 0, -1, true);
  const sequence = (id: string | undefined) => Number(id?.split('|').at(-1));
  return jobs
    .filter((job) => job.data.source === 'watch' && job.data.watchId === watchId)
    .sort((a, b) => a.timestamp - b.timestamp || sequence(a.id) - sequence(b.id))
    .map((job) => job.data as WatchObservationBatch);
}

async function observationsOf(watchId: string): Promise<WatchObservation[]> {
  return (await batchesOf(watchId)).flatMap((batch) => batch.observations);
}

type Kind = WatchObservation['kind'];
type Of<K extends Kind> = Extract<WatchObservation, { kind: K }>;

async function ofKind<K extends Kind>(watchId: string, kind: K): Promise<Array<Of<K>>> {
  return (await observationsOf(watchId)).filter((o): o is Of<K> => o.kind === kind);
}

/** Events as 'kind path-relative-to-the-temporary-folder', in the order queued. */
async function eventsOf(watchId: string): Promise<string[]> {
  return (await ofKind(watchId, 'event')).map((o) => `${o.event} ${o.path.slice(dir.length + 1)}`);
}

async function waitForEvents(watchId: string, expected: string[]): Promise<void> {
  await eventually(`events ${expected.join(', ')}`, async () => {
    const seen = await eventsOf(watchId);
    return expected.every((event) => seen.includes(event)) || undefined;
  }, 10_000, 50);
}

/** Sum of `read` and `matched` over the lines observations of one file. */
async function lineTotals(watchId: string, path: string): Promise<{ read: number; matched: number; rotated: string[] }> {
  const lines = (await ofKind(watchId, 'lines')).filter((o) => o.path === path);
  return {
    read: lines.reduce((sum, o) => sum + o.read, 0),
    matched: lines.reduce((sum, o) => sum + o.matched, 0),
    rotated: lines.flatMap((o) => (o.rotated ? [o.rotated] : [])),
  };
}

async function waitForLines(watchId: string, path: string, read: number): Promise<void> {
  await eventually(`${read} lines read`, async () => ((await lineTotals(watchId, path)).read >= read) || undefined, 10_000, 50);
}

const numbered = (from: number, to: number, prefix = 'line') => Array.from({ length: to - from + 1 }, (_, i) => `${prefix} ${from + i}\n`).join('');

describe('file events', () => {
  it('reports a file created, changed and deleted under a recursive watch, in order', async () => {
    const watch = watchOf({ recursive: true });
    await startAgent([watch]);

    writeFileSync(at('a.txt'), 'one');
    await waitForEvents(watch.id, ['add a.txt']);
    appendFileSync(at('a.txt'), ' two');
    await waitForEvents(watch.id, ['change a.txt']);
    unlinkSync(at('a.txt'));
    await waitForEvents(watch.id, ['unlink a.txt']);

    await sleep(QUIET_MS);
    expect(await eventsOf(watch.id)).toEqual(['add a.txt', 'change a.txt', 'unlink a.txt']);
    const [batch] = await batchesOf(watch.id);
    expect(batch).toMatchObject({ source: 'watch', watchId: watch.id, host: 'test-host' });
  });

  it('picks up a file in a nested folder created after it started', async () => {
    const watch = watchOf({ recursive: true, on: ['add', 'addDir'] });
    await startAgent([watch]);

    mkdirSync(at('a', 'b', 'c'), { recursive: true });
    writeFileSync(at('a', 'b', 'c', 'deep.txt'), 'x');
    await waitForEvents(watch.id, ['addDir a', 'addDir a/b', 'addDir a/b/c', 'add a/b/c/deep.txt']);
  });

  it('in polling mode reports a change too', async () => {
    const watch = watchOf({ recursive: true, polling: true, pollInterval: '100ms' });
    await startAgent([watch]);

    writeFileSync(at('a.txt'), 'one');
    await waitForEvents(watch.id, ['add a.txt']);
  });

  it('stamps every batch with the agent start it came from', async () => {
    const watch = watchOf({ recursive: true });
    await startAgent([watch], { startedAtMs: 1_700_000_000_000 });

    writeFileSync(at('a.txt'), 'one');
    await waitForEvents(watch.id, ['add a.txt']);
    expect((await batchesOf(watch.id)).map((batch) => batch.agentStartedAt)).toEqual([1_700_000_000_000]);
  });
});

describe('integrity', () => {
  it('on the first start, takes the tree as the baseline and reports nothing', async () => {
    mkdirSync(at('sub'));
    writeFileSync(at('a.conf'), 'a');
    writeFileSync(at('sub', 'b.conf'), 'b');
    const watch = watchOf({ recursive: true, integrity: true });
    await startAgent([watch]);

    await sleep(QUIET_MS);
    expect(await observationsOf(watch.id)).toEqual([]);
    const baseline = await redis.hkeys(REDIS_KEYS.watchBaseline(`${watch.id}@test-host`));
    expect(baseline.sort()).toEqual([dir, at('a.conf'), at('sub'), at('sub', 'b.conf')].sort());
  });

  it('describes a changed file before and after: hash, size, mode and owner', async () => {
    writeFileSync(at('a.conf'), 'one');
    chmodSync(at('a.conf'), 0o644);
    const watch = watchOf({ recursive: true, integrity: true });
    await startAgent([watch]);

    writeFileSync(at('a.conf'), 'three');
    await waitForEvents(watch.id, ['change a.conf']);
    const [event] = await ofKind(watch.id, 'event');
    const owner = `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`;
    expect(event).toMatchObject({
      before: { kind: 'file', sizeBytes: 3, mode: '0644', owner },
      after: { kind: 'file', sizeBytes: 5, mode: '0644', owner },
    });
    expect(event?.before?.sha256).not.toBe(event?.after?.sha256);
  });

  it('ends with the file as last written when it is written twice in quick succession', async () => {
    writeFileSync(at('a.conf'), 'one');
    const watch = watchOf({ recursive: true, integrity: true });
    await startAgent([watch]);

    writeFileSync(at('a.conf'), 'two');
    await sleep(5);
    writeFileSync(at('a.conf'), 'three!');
    await eventually('the last content reported', async () => (await ofKind(watch.id, 'event')).at(-1)?.after?.sizeBytes === 6 || undefined, 10_000, 50);
    await eventually('the baseline holds it', async () => JSON.parse(await redis.hget(REDIS_KEYS.watchBaseline(`${watch.id}@test-host`), at('a.conf')) ?? '{}').size === 6 || undefined, 10_000, 50);
  });

  it('keeps a baseline per host: two hosts running the same watch each report the change', async () => {
    writeFileSync(at('a.conf'), 'one');
    const watch = watchOf({ recursive: true, integrity: true });
    await startAgent([watch], { host: 'host-a' });
    await startAgent([watch], { host: 'host-b' });

    writeFileSync(at('a.conf'), 'two');
    await eventually('both hosts reported', async () => {
      const hosts = (await batchesOf(watch.id)).filter((batch) => batch.observations.some((o) => o.kind === 'event')).map((batch) => batch.host);
      return (hosts.includes('host-a') && hosts.includes('host-b')) || undefined;
    }, 10_000, 50);
  });

  it('says nothing of a file rewritten with the same bytes', async () => {
    writeFileSync(at('a.conf'), 'same');
    const watch = watchOf({ recursive: true, integrity: true });
    await startAgent([watch]);

    writeFileSync(at('a.conf'), 'same');
    writeFileSync(at('b.conf'), 'new');
    await waitForEvents(watch.id, ['add b.conf']);
    await sleep(QUIET_MS);
    expect(await eventsOf(watch.id)).toEqual(['add b.conf']);
  });

  it('reports each change made while it was stopped once, and nothing at the next restart', async () => {
    for (const name of ['mode.conf', 'content.conf', 'gone.conf', 'same.conf']) writeFileSync(at(name), name);
    chmodSync(at('mode.conf'), 0o644);
    const watch = watchOf({ recursive: true, integrity: true });
    await stopAgent(await startAgent([watch]));

    chmodSync(at('mode.conf'), 0o600);
    writeFileSync(at('content.conf'), 'edited while nobody watched');
    unlinkSync(at('gone.conf'));
    writeFileSync(at('new.conf'), 'new');
    const second = await startAgent([watch]);
    const expected = ['add new.conf', 'change content.conf', 'change mode.conf', 'unlink gone.conf'];
    await waitForEvents(watch.id, expected);
    await sleep(QUIET_MS);
    expect((await eventsOf(watch.id)).sort()).toEqual(expected);
    const modeChange = (await ofKind(watch.id, 'event')).find((o) => o.path === at('mode.conf'));
    expect(modeChange).toMatchObject({ before: { mode: '0644' }, after: { mode: '0600' } });

    await stopAgent(second);
    await startAgent([watch]);
    await sleep(QUIET_MS);
    expect((await eventsOf(watch.id)).sort()).toEqual(expected);
  });

  it('reports a change seen live once, not again after a restart', async () => {
    writeFileSync(at('a.conf'), 'one');
    const watch = watchOf({ recursive: true, integrity: true });
    const first = await startAgent([watch]);
    writeFileSync(at('a.conf'), 'two');
    await waitForEvents(watch.id, ['change a.conf']);
    await stopAgent(first);

    await startAgent([watch]);
    await sleep(QUIET_MS);
    expect(await eventsOf(watch.id)).toEqual(['change a.conf']);
  });
});

describe('log lines', () => {
  it('counts and matches appended lines, with samples of the matches', async () => {
    writeFileSync(at('app.log'), 'history that is not news\n');
    const watch = watchOf({ paths: [at('app.log')], match: 'ERROR' });
    await startAgent([watch]);

    appendFileSync(at('app.log'), 'INFO fine\nERROR one\nINFO fine\nERROR two\n');
    await waitForLines(watch.id, at('app.log'), 4);
    await sleep(QUIET_MS);
    const lines = await ofKind(watch.id, 'lines');
    expect(await lineTotals(watch.id, at('app.log'))).toEqual({ read: 4, matched: 2, rotated: [] });
    expect(lines.flatMap((o) => o.samples)).toEqual(['ERROR one', 'ERROR two']);
  });

  it('reads lines written in quick succession and then nothing more, without waiting for another write', async () => {
    writeFileSync(at('app.log'), '');
    const watch = watchOf({ paths: [at('app.log')], match: 'line' });
    await startAgent([watch]);

    for (let burst = 0; burst < 5; burst += 1) {
      appendFileSync(at('app.log'), numbered(burst * 10 + 1, burst * 10 + 10));
      await sleep(5);
    }
    await waitForLines(watch.id, at('app.log'), 50);
  });

  it('cuts long lines at maxLineLength and counts them', async () => {
    writeFileSync(at('app.log'), '');
    const watch = watchOf({ paths: [at('app.log')], match: 'x', maxLineLength: 16 });
    await startAgent([watch]);

    appendFileSync(at('app.log'), `${'x'.repeat(100)}\nshort x\n`);
    await waitForLines(watch.id, at('app.log'), 2);
    const lines = await ofKind(watch.id, 'lines');
    expect(lines.reduce((sum, o) => sum + o.truncated, 0)).toBe(1);
    expect(lines.flatMap((o) => o.samples)).toEqual(['x'.repeat(16), 'short x']);
  });

  it('loses no line and repeats none when the log is rotated by rename and recreate', async () => {
    writeFileSync(at('app.log'), '');
    const watch = watchOf({ paths: [at('app.log')], match: 'line' });
    await startAgent([watch]);

    appendFileSync(at('app.log'), numbered(1, 50));
    await waitForLines(watch.id, at('app.log'), 50);
    appendFileSync(at('app.log'), numbered(51, 60));
    renameSync(at('app.log'), at('app.log.1'));
    writeFileSync(at('app.log'), numbered(61, 100));
    await waitForLines(watch.id, at('app.log'), 100);
    await sleep(QUIET_MS);
    const totals = await lineTotals(watch.id, at('app.log'));
    expect(totals).toMatchObject({ read: 100, matched: 100 });
    expect(totals.rotated).toContain('renamed');
  });

  it('loses no line and repeats none when the log is copied and truncated', async () => {
    writeFileSync(at('app.log'), '');
    const watch = watchOf({ paths: [at('app.log')], match: 'line' });
    await startAgent([watch]);

    appendFileSync(at('app.log'), numbered(1, 50));
    await waitForLines(watch.id, at('app.log'), 50);
    copyFileSync(at('app.log'), at('app.log.1'));
    truncateSync(at('app.log'), 0);
    await eventually('truncation seen', async () => (await lineTotals(watch.id, at('app.log'))).rotated.includes('truncated') || undefined, 10_000, 50);
    appendFileSync(at('app.log'), numbered(51, 80));
    await waitForLines(watch.id, at('app.log'), 80);
    await sleep(QUIET_MS);
    expect(await lineTotals(watch.id, at('app.log'))).toMatchObject({ read: 80, matched: 80 });
  });

  it('reads the lines written while it was stopped from the stored offset, once', async () => {
    writeFileSync(at('app.log'), '');
    const watch = watchOf({ paths: [at('app.log')], match: 'line' });
    const first = await startAgent([watch]);
    appendFileSync(at('app.log'), numbered(1, 10));
    await waitForLines(watch.id, at('app.log'), 10);
    await stopAgent(first);

    appendFileSync(at('app.log'), numbered(11, 25));
    const second = await startAgent([watch]);
    await waitForLines(watch.id, at('app.log'), 25);
    await stopAgent(second);
    await startAgent([watch]);
    await sleep(QUIET_MS);
    expect(await lineTotals(watch.id, at('app.log'))).toMatchObject({ read: 25, matched: 25 });
  });

  it('reads a backlog written while it was stopped in bounded batches, every line once', async () => {
    writeFileSync(at('app.log'), '');
    const watch = watchOf({ paths: [at('app.log')], match: 'line 4' });
    await stopAgent(await startAgent([watch]));

    const lineCount = 60_000;
    writeFileSync(at('app.log'), numbered(1, lineCount, 'line with some padding to make it longer'));
    await startAgent([watch]);
    await waitForLines(watch.id, at('app.log'), lineCount);
    await sleep(QUIET_MS);
    const lines = (await ofKind(watch.id, 'lines')).filter((o) => o.path === at('app.log'));
    expect(lines.reduce((sum, o) => sum + o.read, 0)).toBe(lineCount);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.every((o) => o.samples.length <= 5)).toBe(true);
  });

  it('reads a binary file as lines of replaced characters, without failing', async () => {
    writeFileSync(at('data.bin'), '');
    const watch = watchOf({ paths: [at('data.bin')], match: 'tail' });
    await startAgent([watch]);

    appendFileSync(at('data.bin'), Buffer.from([0x00, 0xff, 0xfe, 0x0a, 0x80, 0x74, 0x61, 0x69, 0x6c, 0x0a]));
    await waitForLines(watch.id, at('data.bin'), 2);
    expect((await lineTotals(watch.id, at('data.bin'))).matched).toBe(1);
  });

  it('reads a new file under a content watch from its first line', async () => {
    const watch = watchOf({ recursive: true, include: ['*.log'], match: 'line' });
    await startAgent([watch]);

    writeFileSync(at('new.log'), numbered(1, 3));
    await waitForLines(watch.id, at('new.log'), 3);
    await sleep(QUIET_MS);
    expect(await lineTotals(watch.id, at('new.log'))).toMatchObject({ read: 3, matched: 3 });
  });
});

describe('presence and staleness', () => {
  it('sends stat exists:false and a problem for a missing mustExist path, then exists:true once it is created', async () => {
    const watch = watchOf({ paths: [at('backup.tar')], mustExist: true });
    await startAgent([watch]);

    await eventually('missing stat', async () => (await ofKind(watch.id, 'stat')).find((o) => o.path === at('backup.tar') && !o.exists), 10_000, 50);
    const [problem] = await ofKind(watch.id, 'problem');
    expect(problem).toMatchObject({ path: at('backup.tar'), code: 'ENOENT' });
    expect(warnings).toContainEqual(expect.objectContaining({ watchId: watch.id, host: 'test-host', path: at('backup.tar'), code: 'ENOENT' }));

    writeFileSync(at('backup.tar'), 'data');
    const found = await eventually('present stat', async () => (await ofKind(watch.id, 'stat')).find((o) => o.path === at('backup.tar') && o.exists), 10_000, 50);
    expect(found.sizeBytes).toBe(4);
    await waitForEvents(watch.id, ['add backup.tar']);
  });

  it('sends the final size of a file written twice in quick succession', async () => {
    const watch = watchOf({ recursive: true, maxSize: '1MB' });
    await startAgent([watch]);

    writeFileSync(at('grows.dat'), 'abc');
    await sleep(5);
    appendFileSync(at('grows.dat'), 'defghij');
    await eventually('final size', async () => (await ofKind(watch.id, 'stat')).at(-1)?.sizeBytes === 10 || undefined, 10_000, 50);
  });

  it('names a missing path below a symlinked folder as its events will', async () => {
    mkdirSync(at('real'));
    symlinkSync(at('real'), at('link'));
    const watch = watchOf({ paths: [at('link', 'backup.tar')], mustExist: true });
    await startAgent([watch]);

    await eventually('missing stat', async () => (await ofKind(watch.id, 'stat')).find((o) => !o.exists), 10_000, 50);
    writeFileSync(at('real', 'backup.tar'), 'data');
    await eventually('present stat', async () => (await ofKind(watch.id, 'stat')).find((o) => o.exists), 10_000, 50);
    expect(new Set((await ofKind(watch.id, 'stat')).map((o) => o.path))).toEqual(new Set([at('real', 'backup.tar')]));
  });

  it('sends each file\'s size and modification time at start for a maxAge watch', async () => {
    writeFileSync(at('nightly.tar'), '12345');
    const watch = watchOf({ recursive: true, maxAge: '26h' });
    await startAgent([watch]);

    const stat = await eventually('stat at start', async () => (await ofKind(watch.id, 'stat')).find((o) => o.path === at('nightly.tar')), 10_000, 50);
    expect(stat).toMatchObject({ exists: true, sizeBytes: 5 });
    expect(stat.mtimeMs).toBeGreaterThan(0);
  });
});

describe('bad input', () => {
  it.skipIf(!chmodStopsReading)('gives a problem observation for a file it may not read (skipped where mode 000 does not stop this user, as for root)', async () => {
    writeFileSync(at('secret.log'), 'x\n');
    chmodSync(at('secret.log'), 0o000);
    const watch = watchOf({ paths: [at('secret.log')], match: 'x' });
    await startAgent([watch]);

    const problem = await eventually('problem', async () => (await ofKind(watch.id, 'problem')).find((o) => o.path === at('secret.log')), 10_000, 50);
    expect(problem.code).toBe('EACCES');
    expect(warnings).toContainEqual(expect.objectContaining({ watchId: watch.id, host: 'test-host', path: at('secret.log'), code: 'EACCES' }));
  });

  it('gives a problem observation for a symlink loop under a content watch, and goes on with the other files', async () => {
    symlinkSync(at('loop.log'), at('loop.log'));
    writeFileSync(at('app.log'), '');
    const watch = watchOf({ recursive: true, include: ['*.log'], match: 'line' });
    await startAgent([watch]);

    const problem = await eventually('problem', async () => (await ofKind(watch.id, 'problem')).find((o) => o.path === at('loop.log')), 10_000, 50);
    expect(problem.code).toBe('ELOOP');
    appendFileSync(at('app.log'), numbered(1, 2));
    await waitForLines(watch.id, at('app.log'), 2);
  });
});

describe('apply', () => {
  it('deletes the offsets and baseline of a removed watch', async () => {
    writeFileSync(at('app.log'), 'x\n');
    const watch = watchOf({ recursive: true, integrity: true, match: 'x' });
    const agent = await startAgent([watch]);
    await eventually('offsets saved', async () => (await redis.hlen(REDIS_KEYS.watchOffsets(`${watch.id}@test-host`))) > 0 || undefined, 10_000, 50);
    expect(await redis.hlen(REDIS_KEYS.watchBaseline(`${watch.id}@test-host`))).toBeGreaterThan(0);

    await agent.apply([]);
    expect(await redis.exists(REDIS_KEYS.watchOffsets(`${watch.id}@test-host`), REDIS_KEYS.watchBaseline(`${watch.id}@test-host`))).toBe(0);
    writeFileSync(at('after.txt'), 'x');
    await sleep(QUIET_MS);
    expect(await eventsOf(watch.id)).toEqual([]);
  });

  it('starts an added watch, restarts a changed one and leaves an unchanged one running', async () => {
    mkdirSync(at('one'));
    mkdirSync(at('two'));
    const one = watchOf({ paths: [at('one')], on: ['add'] });
    const two = watchOf({ paths: [at('two')], on: ['add'] });
    const agent = await startAgent([one]);

    await agent.apply([one, two]);
    writeFileSync(at('two', 'a.txt'), 'x');
    await waitForEvents(two.id, ['add two/a.txt']);

    await agent.apply([one, { ...two, on: ['unlink'] }]);
    writeFileSync(at('one', 'b.txt'), 'x');
    unlinkSync(at('two', 'a.txt'));
    await waitForEvents(one.id, ['add one/b.txt']);
    await waitForEvents(two.id, ['unlink two/a.txt']);
  });
});
