import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { forEachLine } from './lines.js';
import { freePort, waitFor } from './ports.js';

/** A server process the local stack or the test harness started, with how to reach and stop it. */
export interface LocalServer {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface ServerOptions {
  dataDir: string;
  port?: number;
  extraArgs?: string[];
  /** Where the server's own output goes; ignored when absent. */
  onOutput?: (line: string) => void;
  /**
   * Start the server in its own process group, so a Ctrl-C in the terminal does not reach it
   * and whoever started it decides when it stops (npm start stops it after the services).
   */
  detached?: boolean;
  /** Called as soon as the process exists, before it is ready (npm start hands it to its reaper). */
  onSpawn?: (child: ChildProcess) => void;
}

function pipeLines(child: ChildProcess, onOutput?: (line: string) => void): void {
  if (!onOutput) return;
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) forEachLine(stream, (line) => {
      if (line.trim() !== '') onOutput(line);
    });
  }
}

function stopProcess(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Waits for `ready`; fails at once if the process exits first. Leaves other 'exit' listeners alone. */
async function readyUnlessExited(child: ChildProcess, name: string, ready: Promise<void>): Promise<void> {
  let onExit: (code: number | null, signal: NodeJS.Signals | null) => void = () => {};
  const exited = new Promise<never>((_, reject) => {
    onExit = (code, signal) => reject(new Error(`${name} exited during start-up (code ${code}, signal ${signal})`));
    child.once('exit', onExit);
  });
  try {
    await Promise.race([ready, exited]);
  } finally {
    child.off('exit', onExit);
  }
}

/** redis-server the way Vigil wants it in production: AOF on, never evict queue data. */
export async function startRedis(options: ServerOptions): Promise<LocalServer> {
  mkdirSync(options.dataDir, { recursive: true });
  const port = options.port ?? (await freePort());
  const child = spawn('redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', options.dataDir,
    '--appendonly', 'yes', '--maxmemory-policy', 'noeviction', '--save', '',
    '--protected-mode', 'yes', '--daemonize', 'no',
    ...(options.extraArgs ?? []),
  ], { stdio: ['ignore', 'pipe', 'pipe'], detached: options.detached ?? false });
  options.onSpawn?.(child);
  pipeLines(child, options.onOutput);
  await readyUnlessExited(child, 'redis-server', waitFor('redis-server', () => pingRedis(port)));
  return { url: `redis://127.0.0.1:${port}`, port, process: child, stop: () => stopProcess(child) };
}

function pingRedis(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(500);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** influxd 1.x on loopback only, reporting and self-monitoring off, data under dataDir. */
export async function startInfluxd(options: ServerOptions): Promise<LocalServer> {
  mkdirSync(options.dataDir, { recursive: true });
  const port = options.port ?? (await freePort());
  const rpcPort = await freePort();
  const configPath = join(options.dataDir, 'influxdb.conf');
  writeFileSync(configPath, [
    'reporting-disabled = true',
    `bind-address = "127.0.0.1:${rpcPort}"`,
    '[meta]', `  dir = "${join(options.dataDir, 'meta')}"`,
    '[data]', `  dir = "${join(options.dataDir, 'data')}"`, `  wal-dir = "${join(options.dataDir, 'wal')}"`, '  query-log-enabled = false',
    '[monitor]', '  store-enabled = false',
    '[http]', `  bind-address = "127.0.0.1:${port}"`, '  log-enabled = false', '  pprof-enabled = false',
    '[logging]', '  level = "warn"', '  suppress-logo = true',
    '',
  ].join('\n'));
  const child = spawn('influxd', ['run', '-config', configPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, INFLUXDB_REPORTING_DISABLED: 'true' },
    detached: options.detached ?? false,
  });
  options.onSpawn?.(child);
  pipeLines(child, options.onOutput);
  const url = `http://127.0.0.1:${port}`;
  await readyUnlessExited(child, 'influxd', waitFor('influxd', async () => (await fetch(`${url}/ping`)).status === 204, 30_000));
  return { url, port, process: child, stop: () => stopProcess(child) };
}
