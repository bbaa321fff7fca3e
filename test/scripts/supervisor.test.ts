import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRenderer, formatField } from '../../scripts/start/log-format.js';
import { prefixLine, restartDelayMs, Supervisor, type ProcessSpec, type SupervisorEvent } from '../../scripts/start/supervisor.js';
import { eventually } from '../support/infra.js';

/** A child that runs `code` with plain node, no TypeScript. */
function node(name: string, code: string): ProcessSpec {
  return { name, command: process.execPath, args: ['-e', code] };
}

/** Runs until SIGTERM, then takes `exitDelayMs` to exit, saying so on stdout. */
function service(name: string, exitDelayMs: number): ProcessSpec {
  return node(name, `
    console.log('ready');
    process.on('SIGTERM', () => { console.log('got SIGTERM'); setTimeout(() => { console.log('exiting'); process.exit(0); }, ${exitDelayMs}); });
    setInterval(() => {}, 1000);
  `);
}

function record() {
  const lines: Array<{ name: string; line: string; stream: string }> = [];
  const events: SupervisorEvent[] = [];
  return {
    lines,
    events,
    options: {
      onLine: (name: string, line: string, stream: string) => lines.push({ name, line, stream }),
      onEvent: (event: SupervisorEvent) => events.push(event),
    },
  };
}

describe('restartDelayMs', () => {
  it.each([
    [1, 1_000], [2, 2_000], [3, 4_000], [4, 8_000], [5, 16_000], [6, 30_000], [20, 30_000],
  ])('crash %i waits %ims', (crashes, delay) => {
    expect(restartDelayMs(crashes)).toBe(delay);
  });
});

describe('Supervisor', () => {
  it('hands over every output line with the name of the process that wrote it', async () => {
    const seen = record();
    const supervisor = new Supervisor([
      node('alpha', `console.log('one'); console.log('two'); console.error('oops'); setInterval(() => {}, 1000);`),
      node('beta-longer', `process.stdout.write('partial '); setTimeout(() => { process.stdout.write('line\\nlast-no-newline'); }, 50); setInterval(() => {}, 1000);`),
    ], { ...seen.options, graceMs: 5_000 });
    supervisor.start();
    try {
      await eventually('all lines', () => seen.lines.length >= 4 || undefined, 10_000);
      expect(seen.lines.filter((l) => l.name === 'alpha')).toEqual([
        { name: 'alpha', line: 'one', stream: 'stdout' },
        { name: 'alpha', line: 'two', stream: 'stdout' },
        { name: 'alpha', line: 'oops', stream: 'stderr' },
      ]);
      expect(seen.lines.filter((l) => l.name === 'beta-longer').map((l) => l.line)).toEqual(['partial line']);
    } finally {
      await supervisor.stop();
    }
    // The unterminated last line is flushed when the process ends.
    expect(seen.lines.filter((l) => l.name === 'beta-longer').map((l) => l.line)).toEqual(['partial line', 'last-no-newline']);
  });

  it('prefixes lines with the padded process name by default', () => {
    expect(prefixLine('watcher', 'hello', 14)).toBe('watcher        | hello');
  });

  it('restarts a crashing process with growing delays, and starts over after a healthy run', async () => {
    const seen = record();
    const supervisor = new Supervisor([node('crasher', `console.log('started'); process.exit(3);`)], {
      ...seen.options,
      backoff: { initialMs: 100, maxMs: 400, resetAfterMs: 60_000 },
    });
    supervisor.start();
    try {
      await eventually('five restarts', () => seen.events.filter((e) => e.type === 'restart-scheduled').length >= 5 || undefined, 15_000);
    } finally {
      await supervisor.stop();
    }
    const delays = seen.events.flatMap((e) => (e.type === 'restart-scheduled' ? [e.delayMs] : []));
    expect(delays.slice(0, 5)).toEqual([100, 200, 400, 400, 400]);
    const exits = seen.events.filter((e) => e.type === 'exit');
    expect(exits.every((e) => e.type === 'exit' && e.code === 3)).toBe(true);
    // Each restart really waited: spawn times are at least the scheduled delay apart.
    const spawns = seen.events.filter((e) => e.type === 'spawn').map((e) => e.at);
    const exitsAt = exits.map((e) => e.at);
    for (let i = 1; i < Math.min(spawns.length, 5); i += 1) {
      expect(spawns[i]! - exitsAt[i - 1]!).toBeGreaterThanOrEqual(delays[i - 1]! - 5);
    }
    expect(seen.lines.filter((l) => l.line === 'started').length).toBeGreaterThanOrEqual(5);
  });

  it('resets the backoff for a process that ran long enough before exiting', async () => {
    const seen = record();
    const supervisor = new Supervisor([node('flaky', `setTimeout(() => process.exit(1), 150);`)], {
      ...seen.options,
      backoff: { initialMs: 50, maxMs: 1_000, resetAfterMs: 100 },
    });
    supervisor.start();
    try {
      await eventually('three restarts', () => seen.events.filter((e) => e.type === 'restart-scheduled').length >= 3 || undefined, 10_000);
    } finally {
      await supervisor.stop();
    }
    const delays = seen.events.flatMap((e) => (e.type === 'restart-scheduled' ? [e.delayMs] : []));
    expect(delays.slice(0, 3)).toEqual([50, 50, 50]);
  });

  it('stops groups in the given order, waiting for each to exit before the next', async () => {
    const seen = record();
    const supervisor = new Supervisor([
      service('watcher', 50),
      service('evaluator', 300),
      service('worker-1', 200),
      service('worker-2', 200),
      service('scheduler', 300),
    ], { ...seen.options, graceMs: 10_000 });
    supervisor.start();
    await eventually('all ready', () => seen.lines.filter((l) => l.line === 'ready').length === 5 || undefined, 15_000);
    const stopStarted = Date.now();
    await supervisor.stop([['scheduler'], ['worker-1', 'worker-2'], ['evaluator'], ['watcher']]);

    const exits = seen.events.filter((e): e is Extract<SupervisorEvent, { type: 'exit' }> => e.type === 'exit');
    expect(exits.map((e) => e.name).slice(0, 1)).toEqual(['scheduler']);
    expect(exits.map((e) => e.name).slice(1, 3).sort()).toEqual(['worker-1', 'worker-2']);
    expect(exits.map((e) => e.name).slice(3)).toEqual(['evaluator', 'watcher']);
    expect(exits.every((e) => e.code === 0)).toBe(true);

    // Each group got SIGTERM only after the previous group had exited.
    const stopping = seen.events.filter((e) => e.type === 'stopping');
    const at = (type: string, name: string) => seen.events.find((e) => e.type === type && e.name === name)!.at;
    expect(stopping.map((e) => e.name)).toEqual(['scheduler', 'worker-1', 'worker-2', 'evaluator', 'watcher']);
    expect(at('stopping', 'worker-1')).toBeGreaterThanOrEqual(at('exit', 'scheduler'));
    expect(at('stopping', 'evaluator')).toBeGreaterThanOrEqual(Math.max(at('exit', 'worker-1'), at('exit', 'worker-2')));
    expect(at('stopping', 'watcher')).toBeGreaterThanOrEqual(at('exit', 'evaluator'));
    // Workers stop in parallel: each got SIGTERM before the other exited. Stopped one after
    // the other, worker-2's SIGTERM would come only after worker-1's exit, 200 ms later.
    expect(at('stopping', 'worker-2')).toBeLessThan(at('exit', 'worker-1'));
    expect(at('stopping', 'worker-1')).toBeLessThan(at('exit', 'worker-2'));
    // And every group's exit was waited for: 300 + 200 + 300 + 50 ms at least.
    expect(Date.now() - stopStarted).toBeGreaterThanOrEqual(800);
    expect(seen.lines.filter((l) => l.line === 'exiting')).toHaveLength(5);
    expect(supervisor.names.map((name) => supervisor.pid(name))).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it('does not restart processes that exit during shutdown', async () => {
    const seen = record();
    const supervisor = new Supervisor([service('a', 10), service('b', 10)], { ...seen.options, backoff: { initialMs: 10 } });
    supervisor.start();
    await eventually('ready', () => seen.lines.filter((l) => l.line === 'ready').length === 2 || undefined, 10_000);
    await supervisor.stop();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen.events.filter((e) => e.type === 'restart-scheduled')).toEqual([]);
    expect(seen.events.filter((e) => e.type === 'exit').map((e) => e.name)).toEqual(['b', 'a']);
  });

  it('kills a process that ignores SIGTERM once the grace period is over', async () => {
    const seen = record();
    const supervisor = new Supervisor([node('stubborn', `process.on('SIGTERM', () => console.log('ignoring')); console.log('ready'); setInterval(() => {}, 1000);`)], {
      ...seen.options,
      graceMs: 300,
    });
    supervisor.start();
    await eventually('ready', () => seen.lines.some((l) => l.line === 'ready') || undefined, 10_000);
    const started = Date.now();
    await supervisor.stop();
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(seen.events.find((e) => e.type === 'killed')).toMatchObject({ name: 'stubborn', reason: 'grace-expired' });
    expect(seen.events.find((e) => e.type === 'exit')).toMatchObject({ name: 'stubborn', signal: 'SIGKILL' });
  });

  it('gives each child a stdin pipe that ends when the supervisor dies, even of SIGKILL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-supervisor-'));
    const marker = join(dir, 'eof');
    // The child writes the marker when its stdin ends, and exits.
    const child = node('child', `
      process.stdin.on('end', () => { require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'eof'); process.exit(0); });
      process.stdin.resume();
      console.log('ready');
    `);
    // A supervisor in a process of its own, to be killed.
    const host = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), '--input-type=module', '-e', `
      import { Supervisor } from ${JSON.stringify(import.meta.resolve('../../scripts/start/supervisor.ts'))};
      new Supervisor([${JSON.stringify(child)}], { onLine: (name, line) => console.log(line) }).start();
    `], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let output = '';
      host.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
      await eventually('the child ready', () => output.includes('ready') || undefined, 15_000);
      expect(existsSync(marker)).toBe(false);
      host.kill('SIGKILL');
      await eventually('the child saw end-of-file', () => existsSync(marker) || undefined, 5_000, 20);
      expect(readFileSync(marker, 'utf8')).toBe('eof');
    } finally {
      host.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('forceKill ends everything at once', async () => {
    const seen = record();
    const supervisor = new Supervisor([service('slow', 20_000)], { ...seen.options, graceMs: 20_000 });
    supervisor.start();
    await eventually('ready', () => seen.lines.some((l) => l.line === 'ready') || undefined, 10_000);
    const stopping = supervisor.stop();
    await eventually('SIGTERM seen', () => seen.lines.some((l) => l.line === 'got SIGTERM') || undefined, 5_000);
    supervisor.forceKill();
    await stopping;
    expect(seen.events.find((e) => e.type === 'exit')).toMatchObject({ name: 'slow', signal: 'SIGKILL' });
  });
});

describe('log rendering', () => {
  const fixed = () => new Date(2026, 0, 2, 15, 4, 5);
  const pretty = createRenderer({ format: 'pretty', nameWidth: 14, now: fixed });
  const json = createRenderer({ format: 'json', nameWidth: 14, now: fixed });
  const pinoLine = JSON.stringify({
    level: 40, time: new Date(2026, 0, 2, 15, 4, 5).toISOString(), service: 'evaluator', pid: 42, msg: 'check is down',
    checkId: 'demo-app', failures: 2, reason: 'expected status 2xx, got 503', err: { type: 'Error', message: 'boom', code: 'E_X', stack: '...' },
  });

  it('renders pino JSON compactly with level names and key=value fields', () => {
    expect(pretty.line('evaluator', pinoLine)).toBe(
      '15:04:05 WARN  [evaluator]      check is down checkId=demo-app failures=2 reason="expected status 2xx, got 503" err="boom (E_X)"',
    );
  });

  it('passes other lines through as they are', () => {
    expect(pretty.line('redis', '1:M * Ready to accept connections')).toBe('15:04:05       [redis]          1:M * Ready to accept connections');
    expect(pretty.line('redis', '{not json')).toContain('{not json');
  });

  it('keeps JSON in json format, adding the process name', () => {
    expect(JSON.parse(json.line('probe-worker-1', pinoLine))).toMatchObject({ process: 'probe-worker-1', level: 40, checkId: 'demo-app' });
    expect(JSON.parse(json.line('redis', 'plain text'))).toMatchObject({ process: 'redis', level: 30, msg: 'plain text' });
  });

  it('formats field values', () => {
    expect(formatField('n', 3)).toBe('n=3');
    expect(formatField('s', 'a b')).toBe('s="a b"');
    expect(formatField('o', { a: 1 })).toBe('o={"a":1}');
    expect(formatField('u', undefined)).toBe('');
  });
});
