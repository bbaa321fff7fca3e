/**
 * Runs one watchPaths on a folder and reports on stdout, one JSON line each: every problem,
 * `ready` with the watch's mode, and every event. Started by a test inside a user namespace
 * whose inotify limit it lowered (`unshare --user`), so running out of watches happens to this
 * process only. Exits when its stdin closes.
 *
 *   node --import tsx test/support/limited-inotify-watch.ts <folder>
 */
import pino from 'pino';
import { watchPaths } from '../../services/watcher/file-agent.js';

const folder = process.argv[2]!;
const say = (line: object): void => { process.stdout.write(`${JSON.stringify(line)}\n`); };
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();

const watch = watchPaths(
  { id: 'limited', paths: [folder], recursive: true, include: [], exclude: [], on: ['add', 'change'], pollIntervalMs: 50 },
  (event) => { say({ event: event.kind, path: event.path }); },
  pino({ level: 'silent' }),
  (problem) => { say({ problem }); },
);
await watch.ready;
say({ ready: true, mode: watch.mode });
