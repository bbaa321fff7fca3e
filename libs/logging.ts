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
  return log;
}
