import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { forEachLine } from '../../scripts/local-stack/lines.js';

const ROOT = resolve(import.meta.dirname, '../..');

export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  output: string[];
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts a real service process, exactly as `npm start` and docker-compose do. Probe workers
 * may start a probe seconds late: these tests count every tick, and a busy test machine
 * must not turn into dropped probes (dropping has tests of its own).
 */
export function spawnService(name: string, env: NodeJS.ProcessEnv): ServiceProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(ROOT, 'services', name, 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'debug', PROBE_MAX_START_DELAY: '5s', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr]) if (stream) forEachLine(stream, (line) => output.push(line));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return {
    name,
    child,
    output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** The last lines of every service's output, for a failing test's message. */
export function describeOutput(services: ServiceProcess[], lines = 15): string {
  return services.map((s) => `--- ${s.name}\n${s.output.slice(-lines).join('\n')}`).join('\n');
}

/** Resolves once a service has logged that it started (its connections are up and it is taking work). */
export async function started(service: ServiceProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!service.output.some((line) => line.includes('"msg":"started"'))) {
    if (service.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`${service.name} did not start within ${timeoutMs}ms\n${describeOutput([service])}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
