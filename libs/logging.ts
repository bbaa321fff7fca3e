import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

const LEVELS = Object.keys(pino.levels.values).concat('silent');

/**
 * One root logger per service; children add check and job ids. Secrets in headers are
 * redacted. An unknown LOG_LEVEL cannot stop a service from starting: it logs at info and
 * says which value it refused.
 */
export function createLogger(service: string, level = process.env.LOG_LEVEL || 'info'): Logger {
  const known = LEVELS.includes(level);
  const log = pino({
    level: known ? level : 'info',
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['*.headers.authorization', '*.headers.Authorization', '*.password', '*.token'], censor: '[redacted]' },
  });
  if (!known) log.warn(`LOG_LEVEL: expected one of ${LEVELS.join(', ')}, got "${level}"; logging at info`);
  destinationOf(log)?.on?.('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') silence(log);
  });
  return log;
}

interface Destination {
  write: (chunk: string) => boolean;
  flushSync?: () => void;
  on?: (event: 'error', listener: (err: NodeJS.ErrnoException) => void) => void;
}

function destinationOf(log: Logger): Destination | undefined {
  return (log as unknown as Record<symbol, Destination | undefined>)[pino.symbols.streamSym];
}

/**
 * Stops writing once nobody reads the output (EPIPE: the reader of our stdout, a supervisor
 * or a pipe into `head`, is gone). Without this, pino's destination flushes what it still
 * holds synchronously at exit and retries EPIPE for ever (sonic-boom's flushSync), so the
 * process would hang in process.exit and never go.
 */
export function silence(log: Logger): void {
  const destination = destinationOf(log);
  if (!destination) return;
  destination.write = () => true;
  destination.flushSync = () => undefined;
}
