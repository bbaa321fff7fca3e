/**
 * `npm start`: the whole Vigil stack on one machine. Validates the configuration, starts
 * redis-server and influxd (unless REDIS_URL / INFLUX_URL are set), the demo server, and one
 * supervised process per service; Ctrl-C stops the services in order, then the servers.
 * See USAGE in scripts/start/options.ts.
 */
import { ConfigError, loadConfigFile } from '../libs/config/index.js';
import { startDemoServer, type DemoServer } from './demo-server.js';
import { childEnv, isInterestingRedisLine, planInfra, startInfra, type InfraPlan, type StartedInfra } from './start/infra.js';
import { createRenderer, logFormatFrom, type Level } from './start/log-format.js';
import { parseStartOptions, REPO_ROOT, UsageError, USAGE, type StartOptions } from './start/options.js';
import { Supervisor, type ProcessSpec, type SupervisorEvent } from './start/supervisor.js';

const env = process.env;
const format = logFormatFrom(env);

function out(text: string): void {
  process.stdout.write(`${text}\n`);
}
process.stdout.on('error', () => {});

let options: StartOptions;
try {
  options = parseStartOptions(process.argv.slice(2), env);
} catch (err) {
  process.stderr.write(`npm start: ${(err as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (options.help) {
  out(USAGE);
  process.exit(0);
}

const probeWorkerNames = Array.from({ length: options.probeWorkers }, (_, i) => `probe-worker-${i + 1}`);
/** Start order; shutdown runs the other way (scheduler first, watcher last). */
const services: Array<{ name: string; service: string }> = [
  { name: 'watcher', service: 'watcher' },
  { name: 'notifier', service: 'notifier' },
  { name: 'evaluator', service: 'evaluator' },
  ...probeWorkerNames.map((name) => ({ name, service: 'probe-worker' })),
  { name: 'scheduler', service: 'scheduler' },
];
const stopOrder = [['scheduler'], probeWorkerNames, ['evaluator'], ['notifier'], ['watcher']];

const renderer = createRenderer({
  format,
  nameWidth: Math.max(7, ...services.map((s) => s.name.length)),
  color: process.stdout.isTTY === true && !env.NO_COLOR,
});
const log = (level: Level, msg: string, fields?: Record<string, unknown>): void => out(renderer.event('vigil', level, msg, fields));

const infra: StartedInfra = {};
let demo: DemoServer | undefined;
let supervisor: Supervisor | undefined;
let shuttingDown = false;

function fail(message: string): never {
  log('error', message);
  killEverything();
  process.exit(1);
}

/** Last resort when this process exits without an orderly shutdown: nothing it started outlives it. */
function killEverything(): void {
  supervisor?.forceKill();
  for (const server of [infra.influx, infra.redis]) {
    if (server && server.process.exitCode === null && server.process.signalCode === null) server.process.kill('SIGKILL');
  }
}
process.on('exit', killEverything);

async function startUp(): Promise<void> {
  const plan = await planInfra(env);
  const serviceEnv = childEnv(env, plan, options.configPath);

  try {
    const config = loadConfigFile(options.configPath, serviceEnv);
    log('info', `configuration ${options.configPath} is valid`, {
      source: options.configSource, checks: config.checks.length, watches: config.watches.length, channels: config.channels.length,
    });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`npm start: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }

  await startInfra(plan, options.dataDir, env, {
    line: (name, text) => {
      if (name === 'redis' && !isInterestingRedisLine(text, env.LOG_LEVEL)) return;
      out(renderer.line(name, text));
    },
    info: (msg, fields) => log('info', msg, fields),
  }, infra);
  if (shuttingDown) return;
  watchInfra();

  demo = await startDemoServer({ port: plan.demoPort.port, onLine: (line) => out(renderer.event('demo', 'info', line)) });
  if (shuttingDown) return;

  printBanner(plan);

  const specs: ProcessSpec[] = services.map(({ name, service }) => ({
    name,
    command: process.execPath,
    // An absolute loader URL, so the services start from any working directory.
    args: ['--import', import.meta.resolve('tsx'), `${REPO_ROOT}/services/${service}/main.ts`],
    env: serviceEnv,
  }));
  supervisor = new Supervisor(specs, {
    graceMs: options.graceMs,
    onLine: (name, line) => out(renderer.line(name, line)),
    onEvent: logEvent,
  });
  supervisor.start();
}

function logEvent(event: SupervisorEvent): void {
  switch (event.type) {
    case 'exit':
      if (!shuttingDown) {
        log('warn', `${event.name} exited`, { code: event.code, signal: event.signal, ranFor: `${(event.ranMs / 1000).toFixed(1)}s` });
      } else if (event.code !== 0) {
        log('warn', `${event.name} stopped`, { code: event.code, signal: event.signal });
      }
      return;
    case 'restart-scheduled':
      log('warn', `restarting ${event.name} in ${event.delayMs / 1000}s`, { attempt: event.attempt });
      return;
    case 'spawn-error':
      log('error', `could not start ${event.name}`, { err: { message: event.error.message } });
      return;
    case 'killed':
      log('warn', event.reason === 'forced' ? `killed ${event.name}` : `${event.name} did not stop within ${options.graceMs / 1000}s; killed it`);
      return;
    case 'stopping':
      log('info', `stopping ${event.name}`);
      return;
    case 'spawn':
    case 'stopped':
      return;
  }
}

/** A server that dies under the services takes the stack down: nothing works without it. */
function watchInfra(): void {
  for (const [name, server] of [['redis-server', infra.redis], ['influxd', infra.influx]] as const) {
    server?.process.once('exit', (code, signal) => {
      if (shuttingDown) return;
      log('error', `${name} exited unexpectedly; stopping Vigil`, { code, signal });
      void shutdown('server exit', 1);
    });
  }
}

function printBanner(plan: InfraPlan): void {
  const started = (yes: boolean): string => (yes ? `started here, data in ${options.dataDir}` : 'given');
  const rows: Array<[string, string]> = [
    ['config', `${options.configPath} (${options.configSource})`],
    ['redis', `${plan.redisUrl} (${started(plan.redisPort !== undefined)})`],
    ['influxdb', `${plan.influxUrl} (${plan.influxPort ? `1.x, database ${env.INFLUX_DATABASE || 'vigil'}, ${started(true)}` : `version ${env.INFLUX_VERSION ?? '?'}, given`})`],
    ['demo', `${plan.demoUrl} (GET / for help${plan.demoPort.reason === 'default' ? '' : `; port ${plan.demoPort.reason}`})`],
    ['services', services.map((s) => s.name).join(', ')],
  ];
  const tryLine = `try: curl -X POST ${plan.demoUrl}/down — the check goes down and a webhook arrives at ${plan.demoUrl}/webhook`;
  if (format === 'json') {
    log('info', 'Vigil is starting', { ...Object.fromEntries(rows), hint: tryLine });
    return;
  }
  out('');
  out('  Vigil is starting');
  for (const [key, value] of rows) out(`    ${key.padEnd(9)} ${value}`);
  out(`  ${tryLine}`);
  out('  Ctrl-C stops everything in order (press it twice to kill at once)');
  out('');
}

let startup: Promise<void> = Promise.resolve();

async function shutdown(reason: string, exitCode: number): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  log('info', `${reason}: stopping Vigil (scheduler, probe-workers, evaluator, notifier, watcher, then the servers); Ctrl-C again kills at once`);
  await startup.catch(() => {});
  await supervisor?.stop(stopOrder);
  await demo?.close();
  if (infra.influx) {
    log('info', 'stopping influxd');
    await infra.influx.stop();
  }
  if (infra.redis) {
    log('info', 'stopping redis-server');
    await infra.redis.stop();
  }
  log('info', 'stopped');
  process.exit(exitCode);
}

/**
 * Under some wrappers one Ctrl-C arrives twice: from the terminal and relayed by the wrapper.
 * A repeat this soon is that echo, not the user asking to kill everything.
 */
const ECHO_WINDOW_MS = 750;
let firstSignalAt = 0;

function onSignal(signal: NodeJS.Signals): void {
  if (!shuttingDown) {
    firstSignalAt = Date.now();
    void shutdown(signal, 0);
    return;
  }
  if (Date.now() - firstSignalAt < ECHO_WINDOW_MS) return;
  log('warn', `${signal} again: killing everything now`);
  killEverything();
  process.exit(130);
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
process.on('SIGHUP', onSignal);

/**
 * `kill <npm's pid>` stops npm without passing the signal on, which would orphan the whole
 * stack; losing our parent is treated as being asked to stop.
 */
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid && !shuttingDown) void shutdown('parent process exited', 0);
}, 1_000).unref();

startup = startUp();
startup.catch((err: unknown) => {
  if (err instanceof UsageError) {
    process.stderr.write(`npm start: ${err.message}\n`);
    killEverything();
    process.exit(2);
  }
  fail(`could not start: ${(err as Error).message}`);
});
