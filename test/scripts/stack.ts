import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { forEachLine } from '../../scripts/local-stack/lines.js';
import { isProcessRunning, processStartTime } from '../../scripts/local-stack/processes.js';
import { eventually } from '../support/infra.js';

/** Running `npm start` for real in the tests (start.test.ts, orphans.test.ts), and finding what it left. */

export const REPO = resolve(import.meta.dirname, '../..');
const TSX = import.meta.resolve('tsx');

export interface Started {
  child: ChildProcess;
  output: string[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartHow {
  /** `npm start -- …` from the repository instead of node on scripts/start.ts. */
  viaNpm?: boolean;
  /** Its own process group (and session), so a test can signal the whole group. */
  detached?: boolean;
}

export function startVigil(cwd: string, args: string[], env: NodeJS.ProcessEnv, how: StartHow = {}): Started {
  const [command, argv] = how.viaNpm
    ? ['npm', ['start', '--silent', '--', ...args]]
    : [process.execPath, ['--import', TSX, join(REPO, 'scripts/start.ts'), ...args]];
  const child = spawn(command, argv, {
    cwd: how.viaNpm ? REPO : cwd,
    env: { ...process.env, REDIS_URL: '', INFLUX_URL: '', VIGIL_CONFIG: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: how.detached ?? false,
  });
  const output: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) forEachLine(stream, (line) => output.push(line));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    child.once('exit', (code, signal) => resolveExit({ code, signal }));
  });
  return { child, output, exit };
}

/** For afterAll: SIGKILL whatever of these is still running (the stacks then stop by themselves). */
export function killAll(started: Started[]): void {
  for (const one of started) {
    if (one.child.exitCode === null && one.child.signalCode === null) one.child.kill('SIGKILL');
  }
}

/** The output's JSON lines (VIGIL_LOG_FORMAT=json). */
export function jsonLines(started: Started): Array<Record<string, unknown>> {
  return started.output.flatMap((line) => {
    try {
      const parsed: unknown = JSON.parse(line);
      return parsed !== null && typeof parsed === 'object' ? [parsed as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  });
}

export function dump(started: Started, lines = 80): string {
  return `\n--- npm start output (last ${lines} lines) ---\n${started.output.slice(-lines).join('\n')}`;
}

/** Waits until every named process has logged "started" (runService), failing early if npm start exits. */
export async function waitForServices(started: Started, names: string[], timeoutMs = 60_000): Promise<void> {
  await eventually(`services ${names.join(', ')} started`, () => {
    if (started.child.exitCode !== null) throw new Error(`npm start exited with ${started.child.exitCode}`);
    const up = new Set(jsonLines(started).filter((l) => l.msg === 'started').map((l) => l.process));
    return names.every((name) => up.has(name)) || undefined;
  }, timeoutMs, 200).catch((err: Error) => {
    throw new Error(`${err.message}${dump(started)}`);
  });
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms}ms`)), ms); }),
  ]);
}

export interface ProcessInfo {
  pid: number;
  command: string;
  /** So that a pid reused by another process later does not count as this one. */
  startTime: string | undefined;
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return '';
  }
}

function livePids(): number[] {
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).map(Number).filter((pid) => isProcessRunning(pid));
}

/** Every live descendant of `pid`, from /proc. */
export function descendants(pid: number): ProcessInfo[] {
  const parents = new Map<number, number>();
  for (const candidate of livePids()) {
    try {
      const stat = readFileSync(`/proc/${candidate}/stat`, 'utf8');
      parents.set(candidate, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const found: ProcessInfo[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [child, ppid] of parents) {
      if (ppid === parent) {
        found.push({ pid: child, command: commandLine(child), startTime: processStartTime(child) });
        queue.push(child);
      }
    }
  }
  return found;
}

/**
 * Every live process of the stack on `dataDir`, wherever it was reparented: those whose
 * environment has VIGIL_DATA_DIR=dataDir (npm start, its reaper, the services and their
 * helpers, influxd) and redis-server on its port (redis rewrites its own environment block).
 */
export function stackProcessesOf(dataDir: string, redisPort: number): ProcessInfo[] {
  const marker = `VIGIL_DATA_DIR=${dataDir}\0`;
  return livePids().flatMap((pid) => {
    if (pid === process.pid) return [];
    const command = commandLine(pid);
    let environ = '';
    try {
      environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
    } catch {
      // gone, or not ours to read
    }
    return environ.includes(marker) || command.startsWith(`redis-server 127.0.0.1:${redisPort}`) ? [{ pid, command, startTime: processStartTime(pid) }] : [];
  });
}

/** Those of `processes` still running (a zombie is not: it only waits for its parent to reap it). */
export function stillRunning(processes: ProcessInfo[]): ProcessInfo[] {
  return processes.filter((p) => isProcessRunning(p.pid, p.startTime));
}
