import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessRunning, processStartTime } from '../local-stack/processes.js';

/**
 * One stack per data folder. A second `npm start` on the folder of a running stack would find
 * its ports taken, quietly pick others and run a second set of services beside the first,
 * both probing and both notifying. So the supervisor holds `<data folder>/vigil.lock` (its pid
 * and start time) while it runs: a live holder makes a new start refuse, and the lock of a
 * stack that died without removing it (SIGKILL, a crash) is taken over.
 */

export const LOCK_FILE = 'vigil.lock';

export interface LockHolder {
  pid: number;
  /** /proc start time, so a reused pid does not pass for the old stack. */
  startTime?: string;
  startedAt: string;
}

export class StackRunningError extends Error {
  override readonly name = 'StackRunningError';
  constructor(readonly dataDir: string, readonly holder: LockHolder) {
    super(`a Vigil stack is already running on the data folder ${dataDir} (pid ${holder.pid}, since ${holder.startedAt}); `
      + `stop it first (Ctrl-C where it runs, or kill ${holder.pid}), or give this one another VIGIL_DATA_DIR`);
  }
}

export interface StackLock {
  path: string;
  /** Removes the lock if it is still ours. Synchronous, so it can run in an 'exit' handler. */
  release(): void;
}

function readHolder(path: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>;
    return typeof parsed.pid === 'number' ? { pid: parsed.pid, startTime: parsed.startTime, startedAt: String(parsed.startedAt ?? '?') } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the lock of `dataDir` for this process, or throws StackRunningError naming the live
 * holder. `onStale` hears about a dead holder's lock before it is taken over.
 */
export function acquireStackLock(dataDir: string, onStale: (previous: LockHolder | undefined) => void = () => {}): StackLock {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  const mine: LockHolder = { pid: process.pid, startTime: processStartTime(process.pid), startedAt: new Date().toISOString() };
  // Written aside and linked into place: link() fails if the lock exists, and a reader never
  // sees a half-written file.
  const draft = `${path}.${process.pid}`;
  writeFileSync(draft, `${JSON.stringify(mine)}\n`);
  try {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      try {
        linkSync(draft, path);
        return { path, release: () => releaseIfMine(path) };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = readHolder(path);
      if (holder && isProcessRunning(holder.pid, holder.startTime)) throw new StackRunningError(dataDir, holder);
      onStale(holder);
      rmSync(path, { force: true });
    }
    throw new Error(`could not take the lock ${path}: another start keeps taking it`);
  } finally {
    rmSync(draft, { force: true });
  }
}

function releaseIfMine(path: string): void {
  if (readHolder(path)?.pid === process.pid) rmSync(path, { force: true });
}
