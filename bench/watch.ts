/**
 * `npm run bench:watch`: the watcher's figures on this machine (issue 10).
 *
 *   npm run bench:watch                       every phase
 *   npm run bench:watch -- --phase tail       one of: tail, tree, notify
 *   npm run bench:watch -- --files 20000      a smaller tree
 *
 * a. tail: lines per second the tailer reads and matches (services/watcher/tailer.ts and
 *    line-matches.ts, RE2) on a log another process keeps appending to: TAIL_LINES lines of
 *    about 110 bytes, 1 in 100 matching `ERROR|FATAL`, written in chunks as fast as the writer
 *    can; the bench reads whatever is new until it has every line. Lines/s is over the bench
 *    process's own CPU time (user + system), so it is the rate of one core; the wall-clock rate
 *    is printed too. Target: at least 100,000 lines/s.
 * b. tree: a folder of --files files (default 100,000, in folders of 1,000) watched recursively
 *    by a child process (bench/watch-tree.ts): time until the watch is ready, how long a file
 *    created after that takes to be reported, and its resident memory 10 s later (and its peak
 *    during the scan). Target: under 300 MB.
 * c. notify: file write to webhook (bench/watch-notify.ts): its own redis-server, evaluator,
 *    notifier and watcher processes and a receiver in the bench process. Target: p99 at most 500 ms.
 *
 * Every loop is bounded in count and time; every process it starts is stopped with it (reaper).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { matchLines } from '../services/watcher/line-matches.js';
import { FileTailer } from '../services/watcher/tailer.js';
import { startBenchRun, type BenchRun } from './bench-run.js';

const ROOT = resolve(import.meta.dirname, '..');
const TAIL_LINES = 1_000_000;
const TAIL_WRITE_CHUNK = 10_000;
const TAIL_PATTERN = 'ERROR|FATAL';
const TAIL_TIMEOUT_MS = 120_000;
const TREE_FOLDER_FILES = 1_000;
const TREE_TIMEOUT_MS = 300_000;
const IDLE_READ_MS = 2;

const say = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;

const { values } = parseArgs({ options: { phase: { type: 'string' }, files: { type: 'string', default: '100000' }, samples: { type: 'string', default: '200' } } });
const phases = values.phase === undefined ? ['tail', 'tree', 'notify'] : [values.phase];
const run = startBenchRun('bench-watch');
let failed = false;
try {
  for (const phase of phases) {
    if (phase === 'tail') await tailPhase(run);
    else if (phase === 'tree') await treePhase(run, Number(values.files));
    else if (phase === 'notify') failed = !(await (await import('./watch-notify.js')).notifyPhase(run, Number(values.samples))) || failed;
    else throw new Error(`unknown phase ${phase}: expected tail, tree or notify`);
  }
} catch (err) {
  failed = true;
  process.stderr.write(`bench:watch failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
} finally {
  await run.cleanup();
}
process.exit(failed ? 1 : 0);

/** A line like a web server's, 1 in 100 an error. */
function logLine(index: number): string {
  const level = index % 100 === 0 ? 'ERROR' : 'INFO ';
  return `2026-12-03T12:00:00.${String(index % 1000).padStart(3, '0')}Z ${level} request ${index} served in ${index % 97}ms path=/api/v1/items/${index}\n`;
}

async function tailPhase(run: BenchRun): Promise<void> {
  const path = join(run.dir, 'growing.log');
  writeFileSync(path, '');
  const tailer = new FileTailer(path, { fromStart: true });
  await tailer.readNew();
  // The writer is its own process, so the bench's CPU time is the tailer's alone.
  const writer = spawn(process.execPath, ['--import', 'tsx', '-e', `
    const { appendFileSync } = require('node:fs');
    const line = ${logLine.toString()};
    for (let start = 0; start < ${TAIL_LINES}; start += ${TAIL_WRITE_CHUNK}) {
      let chunk = '';
      for (let i = start; i < Math.min(start + ${TAIL_WRITE_CHUNK}, ${TAIL_LINES}); i++) chunk += line(i);
      appendFileSync(${JSON.stringify(path)}, chunk);
    }`], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  run.reaper.watch(writer.pid, 'term');
  writer.once('exit', () => run.reaper.forget(writer.pid));

  let lines = 0;
  let matched = 0;
  let firstAt: number | undefined;
  let cpuAtFirst: NodeJS.CpuUsage | undefined;
  const deadline = performance.now() + TAIL_TIMEOUT_MS;
  while (lines < TAIL_LINES && performance.now() < deadline) {
    const batch = await tailer.readNew();
    if (batch.lines.length === 0) {
      await sleep(IDLE_READ_MS);
      continue;
    }
    if (firstAt === undefined) {
      firstAt = performance.now();
      cpuAtFirst = process.cpuUsage();
    }
    lines += batch.lines.length;
    matched += matchLines(batch.lines, TAIL_PATTERN).length;
  }
  const wallS = (performance.now() - (firstAt ?? performance.now())) / 1_000;
  const cpu = process.cpuUsage(cpuAtFirst);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  await tailer.close();
  if (lines !== TAIL_LINES || matched !== TAIL_LINES / 100) throw new Error(`tail: read ${lines} of ${TAIL_LINES} lines, ${matched} matches of ${TAIL_LINES / 100}`);
  say(`tail: ${lines.toLocaleString('en')} lines, ${matched.toLocaleString('en')} matched ${TAIL_PATTERN}`);
  say(`tail: ${Math.round(lines / cpuS).toLocaleString('en')} lines/s per CPU second (target >= 100,000); ${Math.round(lines / wallS).toLocaleString('en')} lines/s wall clock, the writer's pace`);
}

async function treePhase(run: BenchRun, files: number): Promise<void> {
  if (!Number.isInteger(files) || files < 1 || files > 1_000_000) throw new Error(`--files: expected 1 to 1000000, got ${files}`);
  const tree = join(run.dir, 'tree');
  const madeAt = performance.now();
  for (let folder = 0; folder * TREE_FOLDER_FILES < files; folder++) {
    const dir = join(tree, `f${String(folder).padStart(4, '0')}`, 'sub');
    mkdirSync(dir, { recursive: true });
    for (let file = folder * TREE_FOLDER_FILES; file < Math.min(files, (folder + 1) * TREE_FOLDER_FILES); file++) writeFileSync(join(dir, `file-${file}.txt`), '');
  }
  say(`tree: ${files.toLocaleString('en')} files made in ${((performance.now() - madeAt) / 1_000).toFixed(1)} s`);
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/watch-tree.ts', tree], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  run.reaper.watch(child.pid, 'term');
  const output = await new Promise<string>((resolveOutput, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`tree: no answer from the watching process within ${TREE_TIMEOUT_MS / 1_000} s`)), TREE_TIMEOUT_MS);
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) {
        clearTimeout(timer);
        resolveOutput(text.trim());
      }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`tree: the watching process exited (code ${code})`)); });
  });
  child.stdin!.end();
  await new Promise((r) => child.once('exit', r));
  run.reaper.forget(child.pid);
  const figures = JSON.parse(output) as { readyMs: number; rssBytes: number; peakRssBytes: number; heapUsedBytes: number; eventMs: number; mode: string; error?: string };
  if (figures.error) throw new Error(`tree: ${figures.error}`);
  say(`tree: ready in ${(figures.readyMs / 1_000).toFixed(1)} s (${figures.mode}), resident ${mb(figures.rssBytes)} (target < 300 MB; peak during the scan ${mb(figures.peakRssBytes)}), heap ${mb(figures.heapUsedBytes)}; a file created after ready reported in ${Math.round(figures.eventMs)} ms`);
}
