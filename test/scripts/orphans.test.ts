import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUPERVISED_ENV } from '../../libs/service.js';
import { freePort } from '../../scripts/local-stack/ports.js';
import { acquireStackLock, LOCK_FILE, StackRunningError } from '../../scripts/start/lock.js';
import { stackProcesses } from '../../scripts/start/services.js';
import { eventually } from '../support/infra.js';
import {
  descendants, dump, killAll, REPO, startVigil, stackProcessesOf, stillRunning, waitForServices, withTimeout, type ProcessInfo, type Started,
} from './stack.js';

/**
 * Nothing `npm start` started outlives it, however it ends, and one data folder runs one
 * stack. Real processes throughout: the real stack, real signals, /proc to see what is left.
 */

const TSX = import.meta.resolve('tsx');
/** The bound: every process of a dead supervisor is gone this soon. */
const GONE_WITHIN_MS = 5_000;

let work: string;
const running: Started[] = [];

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'vigil-orphans-'));
});
afterAll(() => {
  killAll(running);
  rmSync(work, { recursive: true, force: true });
});

interface Stack {
  started: Started;
  dataDir: string;
  redisPort: number;
}

async function stackEnv(dataDir: string): Promise<{ env: NodeJS.ProcessEnv; redisPort: number }> {
  const [redisPort, influxPort, demoPort, apiPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  return {
    redisPort,
    env: {
      VIGIL_DATA_DIR: dataDir,
      VIGIL_REDIS_PORT: String(redisPort),
      VIGIL_INFLUX_PORT: String(influxPort),
      VIGIL_DEMO_PORT: String(demoPort),
      API_PORT: String(apiPort),
      VIGIL_LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
    },
  };
}

function writeConfig(name: string, lines: string[]): string {
  const path = join(work, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** Waits (bounded) until none of `processes`, nor anything else of the stack, still runs. */
async function expectAllGone(stack: Stack, processes: ProcessInfo[], withinMs: number, what: string): Promise<void> {
  const left = (): ProcessInfo[] => {
    const seen = new Map([...processes, ...stackProcessesOf(stack.dataDir, stack.redisPort)].map((p) => [p.pid, p]));
    return stillRunning([...seen.values()]);
  };
  await eventually(what, () => left().length === 0 || undefined, withinMs, 50).catch((err: Error) => {
    throw new Error(`${err.message}; still running: ${JSON.stringify(left())}${dump(stack.started)}`);
  });
}

describe('npm start leaves nothing behind', () => {
  it('SIGKILL of the supervisor: every process it started is gone within 5 s; meanwhile a second start on its data folder is refused', async () => {
    const dataDir = join(work, 'killed');
    const { env, redisPort } = await stackEnv(dataDir);
    const config = writeConfig('killed.yaml', [
      'checks:',
      '  - { id: demo-app, type: http, url: "${VIGIL_DEMO_URL}/healthz", interval: 1s, timeout: 500ms }',
    ]);
    const started = startVigil(work, ['--config', config], { ...env, VIGIL_PROBE_WORKERS: '2' });
    running.push(started);
    const stack: Stack = { started, dataDir, redisPort };
    await waitForServices(started, stackProcesses(2).map((p) => p.name));

    // A second start on the same folder, with other free ports, says who holds it and stops.
    const second = startVigil(work, ['--config', config], { ...(await stackEnv(dataDir)).env });
    running.push(second);
    const refused = await withTimeout(second.exit, 30_000, 'the second start');
    const said = second.output.join('\n');
    expect(refused.code, said).toBe(1);
    expect(said).toContain(`already running on the data folder ${dataDir} (pid ${started.child.pid}`);
    expect(said).not.toContain('starting redis-server');
    expect(started.child.exitCode, dump(started)).toBeNull();

    const before = descendants(started.child.pid!);
    const commands = before.map((p) => p.command);
    expect(commands.filter((c) => c.startsWith('redis-server'))).toHaveLength(1);
    expect(commands.filter((c) => c.includes('influxd'))).toHaveLength(1);
    expect(commands.filter((c) => c.includes('reaper-process'))).toHaveLength(1);
    expect(commands.filter((c) => c.includes('/services/')).length).toBe(stackProcesses(2).length);
    // The search by data folder finds them as well, so it can find them once reparented.
    expect(stackProcessesOf(dataDir, redisPort).map((p) => p.pid)).toEqual(expect.arrayContaining(before.map((p) => p.pid)));

    started.child.kill('SIGKILL');
    await withTimeout(started.exit, 2_000, 'SIGKILL');
    await expectAllGone(stack, before, GONE_WITHIN_MS, 'every process of the killed stack to be gone');

    // The killed stack's lock is still there, and stale: it is taken over, with a message.
    expect(JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: started.child.pid });
    const stale: unknown[] = [];
    const lock = acquireStackLock(dataDir, (previous) => stale.push(previous));
    expect(stale).toEqual([expect.objectContaining({ pid: started.child.pid })]);
    lock.release();
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
  }, 120_000);

  it('SIGTERM to the process group of `npm start` under load: the stack stops in order and leaves nothing', async () => {
    // A target that takes 200 ms per answer, so probes are in flight when the signal comes.
    let requests = 0;
    let inFlight = 0;
    const target: Server = createServer((req, res) => {
      requests += 1;
      inFlight += 1;
      setTimeout(() => {
        inFlight -= 1;
        res.end('ok');
      }, 200);
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
    try {
      const checks = Array.from({ length: 200 }, (_, i) => `  - { id: load-${i}, type: http, url: "${targetUrl}/${i}", interval: 2s, timeout: 1s }`);
      const config = writeConfig('load.yaml', ['checks:', ...checks]);
      const dataDir = join(work, 'group');
      const { env, redisPort } = await stackEnv(dataDir);
      const started = startVigil(work, ['--config', config, '--probe-workers', '2'], { ...env, VIGIL_SHUTDOWN_GRACE_MS: '15000' }, { viaNpm: true, detached: true });
      running.push(started);
      const stack: Stack = { started, dataDir, redisPort };
      await waitForServices(started, stackProcesses(2).map((p) => p.name));
      await eventually('the stack under load (400 probes answered, some in flight)', () => (requests >= 400 && inFlight > 0) || undefined, 60_000, 20);

      const before = stackProcessesOf(dataDir, redisPort);
      const supervisor = before.find((p) => p.command.includes('scripts/start.ts'));
      expect(supervisor, JSON.stringify(before)).toBeDefined();
      // What a terminal does to its foreground job (and what `kill -TERM -<pgid>` does).
      process.kill(-started.child.pid!, 'SIGTERM');

      await eventually('the supervisor to finish its orderly stop', () => stillRunning([supervisor!]).length === 0 || undefined, 60_000, 50)
        .catch((err: Error) => { throw new Error(`${err.message}${dump(started)}`); });
      await expectAllGone(stack, before, GONE_WITHIN_MS, 'every process of the stack to be gone once the supervisor is');

      // Each service went through its own shutdown (active probes finished), in order, then the supervisor.
      const stopped = started.output.filter((line) => line.includes('"msg":"stopped"')).map((line) => (JSON.parse(line) as { process?: string }).process);
      expect(stopped.slice(0, 2), dump(started)).toEqual(['api', 'scheduler']);
      expect(stopped.slice(2, 4).sort(), dump(started)).toEqual(['probe-worker-1', 'probe-worker-2']);
      expect(stopped.slice(4), dump(started)).toEqual(['evaluator', 'notifier', 'watcher', 'vigil']);
      // npm relays the SIGTERM a second time: that is no reason to kill anything.
      expect(started.output.join('\n')).not.toContain('killing everything now');
      expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
    } finally {
      await new Promise<void>((resolve) => target.close(() => resolve()));
    }
  }, 180_000);
});

describe('a supervised service', () => {
  /** A service that records its shutdown, run by a parent that holds its stdin as a supervisor does. */
  function superviseService(dir: string, env: NodeJS.ProcessEnv, stdin: 'pipe' | 'ignore') {
    const servicePath = join(dir, 'service.ts');
    writeFileSync(servicePath, [
      `import { writeFileSync } from 'node:fs';`,
      `import { runService } from ${JSON.stringify(join(REPO, 'libs/service.ts'))};`,
      `runService('test-service', async () => ({ async close() { writeFileSync(${JSON.stringify(join(dir, 'closed'))}, 'closed'); } }));`,
      `setInterval(() => {}, 1000);`,
    ].join('\n'));
    const parentCode = `
      const { spawn } = require('node:child_process');
      const child = spawn(process.execPath, ['--import', ${JSON.stringify(TSX)}, ${JSON.stringify(servicePath)}], {
        stdio: [${JSON.stringify(stdin)}, 'pipe', 'inherit'], env: { ...process.env, ...${JSON.stringify(env)} },
      });
      child.stdout.pipe(process.stdout);
      setInterval(() => {}, 1000);
    `;
    const parent = spawn(process.execPath, ['-e', parentCode], { stdio: ['ignore', 'pipe', 'inherit'] });
    const output: string[] = [];
    parent.stdout.on('data', (chunk: Buffer) => output.push(...chunk.toString().split('\n').filter(Boolean)));
    return { parent, output };
  }

  const serviceLine = (output: string[], msg: string): { pid: number } | undefined => output
    .map((line) => { try { return JSON.parse(line) as { msg?: string; pid: number }; } catch { return undefined; } })
    .find((line) => line?.msg === msg);

  it.each([
    ['stops through its own shutdown when its supervisor is SIGKILLed', { [SUPERVISED_ENV]: '1' }, 'pipe', true],
    ['run alone (no VIGIL_SUPERVISED), ignores its stdin closing', {}, 'pipe', false],
    ['with VIGIL_SUPERVISED but no pipe on stdin, keeps running', { [SUPERVISED_ENV]: '1' }, 'ignore', false],
  ] as const)('%s', async (_name, env, stdin, stops) => {
    const dir = mkdtempSync(join(work, 'service-'));
    const { parent, output } = superviseService(dir, env, stdin);
    let pid: number | undefined;
    try {
      pid = (await eventually('the service started', () => serviceLine(output, 'started'), 20_000)).pid;
      parent.kill('SIGKILL');
      if (stops) {
        await eventually('the service gone', () => !stillRunning([{ pid: pid!, command: '', startTime: undefined }]).length || undefined, GONE_WITHIN_MS, 50);
        expect(readFileSync(join(dir, 'closed'), 'utf8')).toBe('closed');
      } else {
        // An absence has no event to wait for: give it the time a supervised stop takes (well
        // under a second above), then it must still be running.
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        expect(stillRunning([{ pid, command: '', startTime: undefined }])).toHaveLength(1);
        expect(existsSync(join(dir, 'closed'))).toBe(false);
      }
    } finally {
      if (pid !== undefined) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      parent.kill('SIGKILL');
    }
  }, 30_000);
});

describe('the data folder lock', () => {
  it('refuses while its holder runs, naming the pid and the folder', () => {
    const dataDir = mkdtempSync(join(work, 'lock-'));
    // The holder: this very test process, alive by definition.
    writeFileSync(join(dataDir, LOCK_FILE), JSON.stringify({ pid: process.pid, startedAt: '2026-01-02T03:04:05.000Z' }));
    let error: unknown;
    try {
      acquireStackLock(dataDir);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StackRunningError);
    expect((error as Error).message).toContain(`on the data folder ${dataDir} (pid ${process.pid}`);
  });

  it('takes over the lock of a holder that is gone, or of a pid now used by another process', () => {
    const dataDir = mkdtempSync(join(work, 'lock-'));
    const path = join(dataDir, LOCK_FILE);
    for (const holder of [
      { pid: 2 ** 22 + 1, startedAt: 'x' }, // above Linux's pid_max: never a live process
      { pid: process.pid, startTime: 'not-our-start-time', startedAt: 'x' }, // a live pid, but another process than the one that locked
    ]) {
      writeFileSync(path, JSON.stringify(holder));
      const stale: unknown[] = [];
      const lock = acquireStackLock(dataDir, (previous) => stale.push(previous));
      expect(stale).toEqual([expect.objectContaining({ pid: holder.pid })]);
      expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: process.pid });
      lock.release();
      expect(existsSync(path)).toBe(false);
    }
  });

  it('release leaves a lock that is not its own', () => {
    const dataDir = mkdtempSync(join(work, 'lock-'));
    const lock = acquireStackLock(dataDir);
    writeFileSync(lock.path, JSON.stringify({ pid: 1, startedAt: 'x' }));
    lock.release();
    expect(existsSync(lock.path)).toBe(true);
  });
});
