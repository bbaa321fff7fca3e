import { existsSync, readFileSync } from 'node:fs';

/**
 * Is a pid still the process we mean? A pid is reused once its process has gone, so where
 * Linux tells us (/proc/<pid>/stat), the process's start time (clock ticks since boot, field
 * 22) is recorded with the pid and must match too. Elsewhere only "some process has it" is
 * known.
 */

const HAS_PROC = existsSync('/proc/self/stat');

interface ProcStat {
  state: string;
  startTime: string;
}

function procStat(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', startTime: fields[19] ?? '' };
  } catch {
    return undefined;
  }
}

/** The start time of a live process, or undefined (gone, or no /proc). */
export function processStartTime(pid: number): string | undefined {
  return procStat(pid)?.startTime;
}

/**
 * True while `pid` runs (a zombie has stopped running: it only waits to be reaped) and, when
 * `startTime` is given and /proc can tell, is the same process that had that start time.
 */
export function isProcessRunning(pid: number, startTime?: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStat(pid);
  if (!stat) return !HAS_PROC;
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return startTime === undefined || stat.startTime === startTime;
}
