import { spawn, type ChildProcess } from 'node:child_process';
import { forEachLine } from '../local-stack/lines.js';

/**
 * Runs a fixed set of processes: spawns each, tags its output lines with its name, restarts
 * one that exits on its own (1s, 2s, 4s … capped, reset after a healthy run) and stops them
 * group by group in a given order, each with SIGTERM, a grace period and then SIGKILL.
 * It knows nothing about Vigil; `npm start` hands it the services.
 *
 * Each child's stdin is a pipe that the supervisor holds open and never writes to. When the
 * supervisor dies, even by SIGKILL, the kernel closes it and the child reads end-of-file: the
 * one sign of a dead parent that needs no polling (libs/service.ts stops on it).
 */

export interface ProcessSpec {
  /** Unique; shown on every line the process writes. */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** A process that ran at least this long before exiting starts over at initialMs. */
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1_000, maxMs: 30_000, resetAfterMs: 60_000 };

/** Delay before restart number `consecutiveCrashes` (1-based): initial, 2×, 4× … max. */
export function restartDelayMs(consecutiveCrashes: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  return Math.min(policy.initialMs * 2 ** Math.max(0, consecutiveCrashes - 1), policy.maxMs);
}

export type SupervisorEvent =
  | { type: 'spawn'; name: string; pid: number | undefined; at: number }
  | { type: 'exit'; name: string; pid: number | undefined; code: number | null; signal: NodeJS.Signals | null; ranMs: number; at: number }
  | { type: 'restart-scheduled'; name: string; delayMs: number; attempt: number; at: number }
  | { type: 'spawn-error'; name: string; error: Error; at: number }
  | { type: 'stopping'; name: string; at: number }
  | { type: 'killed'; name: string; reason: 'grace-expired' | 'forced'; at: number }
  | { type: 'stopped'; name: string; at: number };

export interface SupervisorOptions {
  /** Receives each output line of a child, with the child's name. */
  onLine?: (name: string, line: string, stream: 'stdout' | 'stderr') => void;
  /** Lifecycle events, for logging and tests. */
  onEvent?: (event: SupervisorEvent) => void;
  backoff?: Partial<BackoffPolicy>;
  /** How long a process may take to exit after SIGTERM before it gets SIGKILL. */
  graceMs?: number;
  /**
   * Start children in their own process group, so a Ctrl-C in the terminal reaches only the
   * supervisor, which then stops them in order. Default true.
   */
  detached?: boolean;
}

/** Default line sink: `name | line` with names padded to the longest, on stdout. */
export function prefixLine(name: string, line: string, width: number): string {
  return `${name.padEnd(width)} | ${line}`;
}

interface Managed {
  spec: ProcessSpec;
  child?: ChildProcess;
  startedAt: number;
  consecutiveCrashes: number;
  restartTimer?: NodeJS.Timeout;
  exited?: Promise<void>;
  /** SIGKILL was sent to the current child. */
  killed?: boolean;
}

export class Supervisor {
  private readonly managed = new Map<string, Managed>();
  private readonly backoff: BackoffPolicy;
  private readonly graceMs: number;
  private readonly onLine: NonNullable<SupervisorOptions['onLine']>;
  private readonly onEvent: NonNullable<SupervisorOptions['onEvent']>;
  private readonly detached: boolean;
  private stopping = false;
  private forced = false;

  constructor(specs: ProcessSpec[], options: SupervisorOptions = {}) {
    const width = Math.max(0, ...specs.map((spec) => spec.name.length));
    for (const spec of specs) {
      if (this.managed.has(spec.name)) throw new Error(`duplicate process name ${spec.name}`);
      this.managed.set(spec.name, { spec, startedAt: 0, consecutiveCrashes: 0 });
    }
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.graceMs = options.graceMs ?? 30_000;
    this.onLine = options.onLine ?? ((name, line) => process.stdout.write(`${prefixLine(name, line, width)}\n`));
    this.onEvent = options.onEvent ?? (() => {});
    this.detached = options.detached ?? true;
  }

  get names(): string[] {
    return [...this.managed.keys()];
  }

  /** Pid of the running process with this name, if it runs. */
  pid(name: string): number | undefined {
    const child = this.managed.get(name)?.child;
    return child && child.exitCode === null && child.signalCode === null ? child.pid : undefined;
  }

  /** Spawns every process, in the order given. */
  start(): void {
    for (const entry of this.managed.values()) this.spawn(entry);
  }

  private spawn(entry: Managed): void {
    if (this.stopping) return;
    const { spec } = entry;
    entry.startedAt = Date.now();
    let child: ChildProcess;
    try {
      child = spawn(spec.command, spec.args, {
        env: spec.env ?? process.env,
        cwd: spec.cwd,
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: this.detached,
      });
      // Never written, so only a child that closes its end early makes it fail: harmless.
      child.stdin?.on('error', () => {});
    } catch (err) {
      this.onEvent({ type: 'spawn-error', name: spec.name, error: err as Error, at: Date.now() });
      entry.consecutiveCrashes += 1;
      this.scheduleRestart(entry);
      return;
    }
    entry.child = child;
    entry.killed = false;
    this.pipe(spec.name, child);
    let resolveExited: () => void = () => {};
    entry.exited = new Promise((resolve) => { resolveExited = resolve; });
    let done = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (done) return;
      done = true;
      const ranMs = Date.now() - entry.startedAt;
      this.onEvent({ type: 'exit', name: spec.name, pid: child.pid, code, signal, ranMs, at: Date.now() });
      resolveExited();
      if (!this.stopping) {
        entry.consecutiveCrashes = ranMs >= this.backoff.resetAfterMs ? 1 : entry.consecutiveCrashes + 1;
        this.scheduleRestart(entry);
      }
    };
    child.once('error', (error) => {
      this.onEvent({ type: 'spawn-error', name: spec.name, error, at: Date.now() });
      // A process that never started emits no 'exit'; one that did emits it as well.
      if (child.pid === undefined) finish(null, null);
    });
    child.once('exit', (code, signal) => finish(code, signal));
    this.onEvent({ type: 'spawn', name: spec.name, pid: child.pid, at: Date.now() });
  }

  private scheduleRestart(entry: Managed): void {
    if (this.stopping) return;
    const attempt = Math.max(1, entry.consecutiveCrashes);
    const delayMs = restartDelayMs(attempt, this.backoff);
    this.onEvent({ type: 'restart-scheduled', name: entry.spec.name, delayMs, attempt, at: Date.now() });
    entry.restartTimer = setTimeout(() => {
      entry.restartTimer = undefined;
      this.spawn(entry);
    }, delayMs);
  }

  private pipe(name: string, child: ChildProcess): void {
    for (const [stream, label] of [[child.stdout, 'stdout'], [child.stderr, 'stderr']] as const) {
      if (stream) forEachLine(stream, (line) => this.emitLine(name, line, label));
    }
  }

  private emitLine(name: string, line: string, stream: 'stdout' | 'stderr'): void {
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (text.trim() !== '') this.onLine(name, text, stream);
  }

  /**
   * Stops everything: no more restarts, then each group in turn (the processes of one group
   * in parallel), each with SIGTERM and, after the grace period, SIGKILL. Without `order`,
   * processes stop one by one in the reverse of the order they were given.
   */
  async stop(order: string[][] = this.names.reverse().map((name) => [name])): Promise<void> {
    this.stopping = true;
    for (const entry of this.managed.values()) {
      if (entry.restartTimer) clearTimeout(entry.restartTimer);
      entry.restartTimer = undefined;
    }
    const listed = new Set(order.flat());
    const rest = this.names.filter((name) => !listed.has(name));
    for (const group of rest.length > 0 ? [...order, rest] : order) {
      await Promise.all(group.map((name) => this.stopOne(name)));
    }
  }

  /** Second Ctrl-C: SIGKILL everything still running, right now. */
  forceKill(): void {
    this.stopping = true;
    this.forced = true;
    for (const entry of this.managed.values()) {
      if (entry.restartTimer) clearTimeout(entry.restartTimer);
      entry.restartTimer = undefined;
      if (isRunning(entry.child) && !entry.killed) {
        entry.killed = true;
        this.onEvent({ type: 'killed', name: entry.spec.name, reason: 'forced', at: Date.now() });
        this.signal(entry.child!, 'SIGKILL');
      }
    }
  }

  private async stopOne(name: string): Promise<void> {
    const entry = this.managed.get(name);
    if (!entry) throw new Error(`no process named ${name}`);
    const child = entry.child;
    if (!isRunning(child)) return;
    this.onEvent({ type: 'stopping', name, at: Date.now() });
    const timer = setTimeout(() => {
      if (isRunning(child) && !entry.killed) {
        entry.killed = true;
        this.onEvent({ type: 'killed', name, reason: 'grace-expired', at: Date.now() });
        this.signal(child!, 'SIGKILL');
      }
    }, this.graceMs);
    this.signal(child!, this.forced ? 'SIGKILL' : 'SIGTERM');
    await entry.exited;
    clearTimeout(timer);
    this.onEvent({ type: 'stopped', name, at: Date.now() });
  }

  /** Signals the process only (not its group: a service's own helpers are its business). */
  private signal(child: ChildProcess, signal: NodeJS.Signals): void {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

function isRunning(child: ChildProcess | undefined): boolean {
  return child !== undefined && child.pid !== undefined && child.exitCode === null && child.signalCode === null;
}
