/**
 * The reaper of the local stack (started by scripts/local-stack/reaper.ts; see there why).
 * Reads lines on stdin from its owner:
 *
 *   watch <pid> term   stop this process (SIGTERM) as soon as the owner is gone
 *   watch <pid> wait   this process stops by itself when the owner is gone; only make sure
 *   forget <pid>       it exited normally; leave that pid alone
 *
 * At end-of-file (the owner exited, however it exited) it sends SIGTERM to the `term` ones,
 * waits until everything watched has gone or the deadline (argv[2], ms) has passed, sends
 * SIGKILL to whatever still runs, and exits.
 */
import { forEachLine } from './lines.js';
import { isProcessRunning, processStartTime } from './processes.js';

const deadlineMs = Number(process.argv[2] ?? 3_500);
const watched = new Map<number, { mode: 'term' | 'wait'; startTime: string | undefined }>();

function send(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Still the process we were told about: a pid freed and reused meanwhile is not ours to kill. */
function stillRunning(pid: number): boolean {
  const entry = watched.get(pid);
  return entry !== undefined && isProcessRunning(pid, entry.startTime);
}

forEachLine(process.stdin, (line) => {
  const [verb, pidText, mode] = line.trim().split(/\s+/);
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return;
  if (verb === 'watch' && (mode === 'term' || mode === 'wait')) watched.set(pid, { mode, startTime: processStartTime(pid) });
  else if (verb === 'forget') watched.delete(pid);
});

let reaping = false;
function reap(): void {
  if (reaping) return;
  reaping = true;
  const deadline = Date.now() + deadlineMs;
  for (const [pid, { mode }] of watched) if (mode === 'term' && stillRunning(pid)) send(pid, 'SIGTERM');
  const check = (): void => {
    const left = [...watched.keys()].filter(stillRunning);
    if (left.length > 0 && Date.now() < deadline) {
      setTimeout(check, 50);
      return;
    }
    for (const pid of left) send(pid, 'SIGKILL');
    process.exit(0);
  };
  check();
}

// forEachLine listened first, so a last line is handled before this.
process.stdin.on('end', reap);
process.stdin.on('error', reap);
// Our output goes to the owner, which may be gone: never die of EPIPE before the work is done.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});
