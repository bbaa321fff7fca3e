import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { forEachLine } from '../scripts/local-stack/lines.js';
import { startReaper } from '../scripts/local-stack/reaper.js';

const ROOT = resolve(import.meta.dirname, '..');

export interface BenchRun {
  reaper: ReturnType<typeof startReaper>;
  /** A temporary directory, removed at the end. */
  dir: string;
  /** Run in reverse order at the end, each bounded. */
  closers: Array<() => Promise<void>>;
  cleanup(): Promise<void>;
}

async function bounded<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`closing took over ${ms}ms`)), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * What every bench that starts processes needs: a reaper, so everything started is stopped if
 * the bench dies without cleaning up (SIGKILL included); a temporary directory; and a bounded
 * cleanup that also runs on Ctrl-C or a kill.
 */
export function startBenchRun(name: string): BenchRun {
  const reaper = startReaper();
  const dir = mkdtempSync(join(tmpdir(), `vigil-${name.replace(/\W+/g, '-')}-`));
  const closers: Array<() => Promise<void>> = [];
  let cleaning: Promise<void> | undefined;
  const cleanup = (): Promise<void> => (cleaning ??= (async () => {
    // Each step bounded: a connection that hangs on close must not keep the bench (and the reaper's kill) waiting.
    for (const close of closers.reverse()) await bounded(close(), 12_000).catch(() => undefined);
    await reaper.close();
    rmSync(dir, { recursive: true, force: true });
  })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`${name}: ${signal}, stopping\n`);
      // Every cleanup step is bounded (12 s each, the reaper 3.5 s); past that, go anyway, and the
      // reaper still stops whatever is left once this process is gone.
      setTimeout(() => {
        rmSync(dir, { recursive: true, force: true });
        process.exit(1);
      }, 60_000).unref();
      void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }
  return { reaper, dir, closers, cleanup };
}

export interface Service {
  name: string;
  child: ChildProcess;
  /** Resolves once the service logged "started"; rejects with its own reason if it exits first. */
  started: Promise<void>;
  running: () => boolean;
  /** Log lines at warn or above the bench did not expect. */
  notable: () => number;
}

/** `node --import tsx services/<name>/main.ts`, as `npm run service -- <name>` runs it, watched by the reaper. */
export function spawnService(name: 'evaluator' | 'notifier' | 'watcher', env: NodeJS.ProcessEnv, reaper: BenchRun['reaper'], expected: (msg: string) => boolean, extraFlags: string[] = []): Service {
  const child = spawn(process.execPath, [...extraFlags, '--import', 'tsx', `services/${name}/main.ts`], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  reaper.watch(child.pid, 'term');
  let fatal: string | undefined;
  let notable = 0;
  let onStarted: () => void = () => undefined;
  const started = new Promise<void>((resolveStarted, reject) => {
    onStarted = resolveStarted;
    child.once('exit', (code, signal) => reject(new Error(`the ${name} exited during start-up (code ${code}, signal ${signal})${fatal ? `:\n${fatal.slice(0, 2_000)}` : ''}`)));
  });
  started.catch(() => undefined);
  for (const stream of [child.stdout!, child.stderr!]) {
    forEachLine(stream, (line) => {
      let entry: { level?: number; msg?: string; err?: { message?: string } };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        entry = { level: 50, msg: line };
      }
      if (entry.msg === 'started') onStarted();
      if ((entry.level ?? 0) >= 60) fatal = entry.err?.message ?? entry.msg;
      const level = entry.level ?? 0;
      if (level >= 50 || (level >= 40 && !expected(entry.msg ?? ''))) {
        if (notable++ < 20) process.stderr.write(`[${name}] ${line.slice(0, 400)}\n`);
      }
    });
  }
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  return { name, child, started, running, notable: () => notable };
}

/** SIGTERM, then up to 10 s for the process to finish its shutdown. */
export async function stopService(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
}

export async function withTimeout<T>(what: string, promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}
