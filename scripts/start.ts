/**
 * `npm start`: the whole Vigil stack on one machine. Validates the configuration, takes the
 * data folder's lock, starts a reaper, redis-server and influxd (unless REDIS_URL /
 * INFLUX_URL are set), the demo server, and one supervised process per service; Ctrl-C stops
 * the services in order, then the servers. See USAGE in scripts/start/options.ts.
 *
 * Nothing it starts outlives it: on an orderly stop it stops everything itself; if it dies
 * without a chance to (SIGKILL, a crash), the services see their stdin pipe close
 * (libs/service.ts) and the reaper stops the servers (scripts/local-stack/reaper.ts).
 */
import { ConfigError, loadConfigFile } from '../libs/config/index.js';
import { SUPERVISED_ENV } from '../libs/service.js';
import { startDemoServer, type DemoServer } from './demo-server.js';
import { startReaper, type Reaper } from './local-stack/reaper.js';
import { childEnv, isInterestingRedisLine, planInfra, startInfra, type InfraPlan, type StartedInfra } from './start/infra.js';
import { acquireStackLock, StackRunningError, type StackLock } from './start/lock.js';
import { createRenderer, logFormatFrom, type Level } from './start/log-format.js';
import { choosePort, parseStartOptions, REPO_ROOT, UsageError, USAGE, type PortChoice, type StartOptions } from './start/options.js';
import { stackProcesses, stopGroups } from './start/services.js';
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

/** Start order; shutdown runs the other way (api first, watcher last). */
const services = stackProcesses(options.probeWorkers);
const stopOrder = stopGroups(services);

const renderer = createRenderer({
  format,
  nameWidth: Math.max(7, ...services.map((s) => s.name.length)),
  color: process.stdout.isTTY === true && !env.NO_COLOR,
});
const log = (level: Level, msg: string, fields?: Record<string, unknown>): void => out(renderer.event('vigil', level, msg, fields));

const infra: StartedInfra = {};
let demo: DemoServer | undefined;
let supervisor: Supervisor | undefined;
let reaper: Reaper | undefined;
let lock: StackLock | undefined;
let shuttingDown = false;
/** Where the api listens: API_PORT, else 8080 when free, else any free port (chosen in startUp). */
let apiPort: PortChoice = { port: 8080, reason: 'default' };

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
process.on('exit', () => {
  killEverything();
  lock?.release();
});

async function startUp(): Promise<void> {
  const plan = await planInfra(env);
  // Another stack or program on 8080 must not crash-loop the api: it then gets a free port.
  apiPort = await choosePort(env, 'API_PORT', 8080);
  // SUPERVISED_ENV: the services stop when their stdin (the supervisor's pipe) closes.
  const serviceEnv = { ...childEnv(env, plan, options.configPath), API_PORT: String(apiPort.port), [SUPERVISED_ENV]: '1' };

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

  try {
    lock = acquireStackLock(options.dataDir, (previous) => {
      log('warn', `taking over the lock of a stack on ${options.dataDir} that is not running any more; it did not stop cleanly`, previous ? { pid: previous.pid, since: previous.startedAt } : {});
    });
  } catch (err) {
    if (err instanceof StackRunningError) {
      process.stderr.write(`npm start: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }

  // First, before anything it would have to stop: the reaper of everything started from here on.
  reaper = startReaper({ onLine: (line) => out(renderer.line('reaper', line)) });
  reaper.process.once('exit', (code, signal) => {
    if (!shuttingDown) log('warn', 'the reaper exited: if npm start is killed now, redis-server and influxd may outlive it', { code, signal });
  });

  await startInfra(plan, options.dataDir, env, {
    line: (name, text) => {
      if (name === 'redis' && !isInterestingRedisLine(text, env.LOG_LEVEL)) return;
      out(renderer.line(name, text));
    },
    info: (msg, fields) => log('info', msg, fields),
    spawned: (_name, child) => {
      reaper?.watch(child.pid, 'term');
      child.once('exit', () => reaper?.forget(child.pid));
    },
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
    onEvent: (event) => {
      // Services stop by themselves when the pipe closes; the reaper makes sure of it.
      if (event.type === 'spawn') reaper?.watch(event.pid, 'wait');
      else if (event.type === 'exit') reaper?.forget(event.pid);
      logEvent(event);
    },
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
    ['api', `http://127.0.0.1:${apiPort.port}/api/v1 (GET /api/v1/openapi.json${apiPort.reason === 'default' ? '' : `; port ${apiPort.reason}`})`],
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
  out('  Ctrl-C stops everything in order (press it twice to kill at once); kill -9 of npm start stops everything too');
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
  await reaper?.close();
  log('info', 'stopped');
  lock?.release();
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
  // Only a second Ctrl-C means "kill now". A SIGTERM to npm's process group reaches us
  // twice (directly, and relayed by npm, late on a busy machine): that is the same request
  // to stop in order, not a reason to cut the services' active jobs short.
  if (signal !== 'SIGINT') return;
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
