import type { Logger } from 'pino';
import { createLogger } from './logging.js';

export interface RunningService {
  /** Stops taking new work, lets active jobs finish, closes connections. */
  close(): Promise<void>;
}

const SHUTDOWN_GRACE_MS = Number(process.env.VIGIL_SHUTDOWN_GRACE_MS ?? 30_000);

/**
 * The whole life of a service process: start, log, and on SIGTERM/SIGINT close in order
 * (active jobs finish) before exiting. A failure to start exits non-zero so a supervisor
 * restarts it.
 */
export function runService(name: string, start: (log: Logger) => Promise<RunningService>): void {
  const log = createLogger(name);
  let running: RunningService | undefined;
  let stopping = false;

  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error({ graceMs: SHUTDOWN_GRACE_MS }, 'shutdown took too long; exiting anyway');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
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

  start(log).then(
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
