/**
 * The child process of `npm run bench:watch`'s tree phase: watches one folder recursively with
 * the watcher's own code (services/watcher/file-agent.ts), so its memory is the watch's alone.
 * Prints one JSON line once the watch is ready and a file created after that was reported;
 * exits when its stdin closes (the bench went away, however it went).
 *
 *   node --import tsx bench/watch-tree.ts <folder>
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { watchPaths } from '../services/watcher/file-agent.js';

const EVENT_TIMEOUT_MS = 30_000;
/** The scan's garbage is returned to the system a little after it ends: resident memory is read after this. */
const SETTLE_MS = 10_000;
const folder = process.argv[2];
if (!folder) throw new Error('usage: watch-tree.ts <folder>');
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();

const log = pino({ level: 'warn' }, pino.destination(2));
const startedAt = performance.now();
const probe = join(folder, 'created-after-ready.txt');
let reported: (() => void) | undefined;
const seen = new Promise<void>((resolve) => { reported = resolve; });
const watch = watchPaths({ id: 'tree', paths: [folder], recursive: true, include: [], exclude: [], on: ['add', 'change', 'unlink'] }, (event) => {
  if (event.path === probe) reported?.();
}, log);
await watch.ready;
const readyMs = performance.now() - startedAt;
const writtenAt = performance.now();
writeFileSync(probe, 'x');
const timeout = setTimeout(() => { process.stdout.write(`${JSON.stringify({ error: `no event for a file created after ready within ${EVENT_TIMEOUT_MS}ms` })}\n`); process.exit(1); }, EVENT_TIMEOUT_MS);
await seen;
clearTimeout(timeout);
const eventMs = performance.now() - writtenAt;
await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
const { rss, heapUsed } = process.memoryUsage();
process.stdout.write(`${JSON.stringify({ readyMs, rssBytes: rss, peakRssBytes: peakRss(), heapUsedBytes: heapUsed, eventMs, mode: watch.mode })}\n`);

/** The most this process was ever resident, from /proc (VmHWM). */
function peakRss(): number {
  const line = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return line ? Number(line[1]) * 1_024 : Number.NaN;
}
