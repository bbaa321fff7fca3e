import { fstatSync } from 'node:fs';
import pino, { type Logger } from 'pino';
import type { z } from 'zod';
import { parseEnv } from './env.js';
import { createLogger, silence } from './logging.js';
import { HEALTH_ENV, startHealthListener, type ServicePhase } from './self-monitoring/listener.js';
import type { ReadinessChecks } from './self-monitoring/readiness.js';
import { createServiceRegistry, type MetricsRegistry } from './self-monitoring/registry.js';

export interface RunningService {
  /** Stops taking new work, lets active jobs finish, closes connections. */
  close(): Promise<void>;
  /** What GET /readyz asks (Redis answers PING, ...), by dependency name; none: ready once started. */
  readiness?: ReadinessChecks;
}

/** What runService hands a service's start besides its logger. */
export interface ServiceContext {
  /** The process's Prometheus registry (GET /metrics): the service registers its counters here. */
  metrics: MetricsRegistry;
}

const SHUTDOWN_GRACE_MS = Number(process.env.VIGIL_SHUTDOWN_GRACE_MS ?? 30_000);

/**
 * Set to 1 by a supervisor (`npm start`, `npm run service`) that gives the service a pipe on
 * stdin, holds the other end and never writes to it. The kernel closes that end when the
 * supervisor dies, however it dies (SIGKILL and crashes included, which no handler of the
 * supervisor ever sees), so the service reads end-of-file and stops instead of running on as
 * an orphan that probes and notifies for good. Unset (a service run alone, in docker, in the
 * tests) stdin means nothing.
 */
export const SUPERVISED_ENV = 'VIGIL_SUPERVISED';

/**
 * How long a service whose supervisor is gone may take to stop. Short: nobody waits for it,
 * its Redis is most likely stopping too, and everything the supervisor started must be gone
 * within 5 s (the supervisor's reaper kills what is still running at 3.5 s).
 */
export const ORPHAN_GRACE_MS = 2_500;

/**
 * The whole life of a service process: start, log, and on SIGTERM/SIGINT (or its supervisor
 * going away) close in order (active jobs finish) before exiting. A failure to start exits
 * non-zero so a supervisor restarts it.
 */
export function runService(name: string, start: (log: Logger, context: ServiceContext) => Promise<RunningService>): void {
  const log = createLogger(name);
  let running: RunningService | undefined;
  let stopping = false;
  const health = healthSettingsOrExit(log);
  const metrics = createServiceRegistry(name, { defaultMetrics: health.VIGIL_HEALTH_PORT !== undefined });
  let exitBy = Number.POSITIVE_INFINITY;

  /** Exits after graceMs at the latest; a later, shorter bound (supervisor gone) wins. */
  const bound = (graceMs: number): void => {
    if (Date.now() + graceMs >= exitBy) return;
    exitBy = Date.now() + graceMs;
    setTimeout(() => {
      log.error({ graceMs }, 'shutdown took too long; exiting anyway');
      process.exit(1);
    }, graceMs).unref();
  };

  const stop = async (signal: string, graceMs = SHUTDOWN_GRACE_MS): Promise<void> => {
    bound(graceMs);
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    try {
      await running?.close();
      log.info('stopped');
      process.exit(0);
    } catch (err) {
      log.error({ err }, 'error while shutting down');
      process.exit(1);
    }
  };

  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('unhandledRejection', (err) => {
    log.fatal({ err }, 'unhandled promise rejection');
    process.exit(1);
  });
  watchSupervisor(log, () => {
    log.warn({ graceMs: ORPHAN_GRACE_MS }, 'supervisor went away');
    void stop('supervisor gone', ORPHAN_GRACE_MS);
  });

  // Opened before start, so /healthz answers (and /readyz says "starting") while start waits for Redis or a configuration.
  const port = health.VIGIL_HEALTH_PORT;
  if (port !== undefined) {
    const phase = (): ServicePhase => (stopping ? 'stopping' : running ? 'running' : 'starting');
    startHealthListener({ phase, readiness: () => running?.readiness ?? {}, registry: metrics }, port, health.VIGIL_HEALTH_HOST).then(
      (listener) => log.info({ port: listener.port }, 'self-monitoring listening (/healthz, /readyz, /metrics)'),
      (err: unknown) => {
        log.fatal({ err, port }, 'could not open the self-monitoring port');
        process.exit(1);
      },
    );
  }

  start(log, { metrics }).then(
    (service) => {
      running = service;
      log.info('started');
      if (stopping) void service.close();
    },
    (err: unknown) => {
      log.fatal({ err }, 'failed to start');
      process.exit(1);
    },
  );
}

/** The self-monitoring variables; a bad one stops the service as any bad variable does. */
function healthSettingsOrExit(log: Logger): z.output<typeof HEALTH_ENV> {
  try {
    return parseEnv(HEALTH_ENV);
  } catch (err) {
    log.fatal({ err }, 'failed to start');
    process.exit(1);
  }
}

/** The supervisor read our stdout and stderr; nobody does now (see silence). */
function outputIsGone(log: Logger): void {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
  silence(log);
}

/** Calls onGone once stdin reaches end-of-file, when SUPERVISED_ENV says stdin is the supervisor's pipe. */
function watchSupervisor(log: Logger, onGone: () => void): void {
  if (process.env[SUPERVISED_ENV] !== '1') return;
  let isPipe = false;
  try {
    const stat = fstatSync(0);
    // Node's child_process pipes are socket pairs; a shell's are FIFOs.
    isPipe = stat.isFIFO() || stat.isSocket();
  } catch {
    // no stdin at all
  }
  if (!isPipe) {
    // /dev/null or a terminal would read as "gone" at once or never: not a supervisor's pipe.
    log.warn(`${SUPERVISED_ENV}=1 but stdin is not a pipe; not watching for the supervisor`);
    return;
  }
  let gone = false;
  const once = (): void => {
    if (gone) return;
    gone = true;
    outputIsGone(log);
    onGone();
  };
  process.stdin.on('end', once);
  process.stdin.on('close', once);
  process.stdin.on('error', once);
  process.stdin.resume();
}
