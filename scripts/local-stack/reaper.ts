import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { forEachLine } from './lines.js';

/**
 * Why a reaper: `npm start` may die without running any code of its own (SIGKILL, the OOM
 * killer, a crash in native code), and then whatever it started lives on with parent 1,
 * holding the ports and sending webhooks. The services notice by themselves (libs/service.ts
 * watches the supervisor's pipe), but redis-server and influxd cannot. So the very first thing
 * `npm start` starts is this small process, in its own session (a Ctrl-C or a SIGTERM to the
 * terminal's process group does not reach it), with a pipe on its stdin that only the
 * supervisor holds. The kernel closes that pipe when the supervisor dies, however it dies; the
 * reaper reads end-of-file and stops every process it was told about, with SIGKILL for those
 * still running at the deadline. On a clean shutdown everything has been forgotten by then
 * and it just exits.
 */

/** term: send SIGTERM at once when the owner is gone (servers); wait: it stops by itself (services). */
export type ReapMode = 'term' | 'wait';

/** SIGKILL for whatever still runs this long after the supervisor went away. */
export const REAP_DEADLINE_MS = 3_500;

export interface Reaper {
  readonly process: ChildProcess;
  watch(pid: number | undefined, mode: ReapMode): void;
  /** The process exited and was seen to exit: its pid may be reused, leave it alone. */
  forget(pid: number | undefined): void;
  /**
   * The end of an orderly stop: closes the pipe as dying would (so the reaper stops anything
   * still watched) and waits for the reaper to exit, so that nothing is left once it resolves.
   */
  close(): Promise<void>;
}

export interface ReaperOptions {
  deadlineMs?: number;
  /** Lines the reaper writes on stderr (only errors). */
  onLine?: (line: string) => void;
}

export function startReaper(options: ReaperOptions = {}): Reaper {
  const child = spawn(process.execPath, [
    '--import', import.meta.resolve('tsx'),
    fileURLToPath(new URL('./reaper-process.ts', import.meta.url)),
    String(options.deadlineMs ?? REAP_DEADLINE_MS),
  ], { stdio: ['pipe', 'ignore', 'pipe'], detached: true });
  // Writing to a reaper that died must not take the supervisor down with EPIPE.
  child.stdin!.on('error', () => {});
  if (options.onLine && child.stderr) forEachLine(child.stderr, (line) => { if (line.trim() !== '') options.onLine!(line); });
  const send = (line: string): void => {
    if (child.stdin!.writable) child.stdin!.write(`${line}\n`);
  };
  return {
    process: child,
    watch: (pid, mode) => { if (pid !== undefined) send(`watch ${pid} ${mode}`); },
    forget: (pid) => { if (pid !== undefined) send(`forget ${pid}`); },
    close: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.stdin!.end();
    }),
  };
}
