import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/** One root logger per service; children add check and job ids. Secrets in headers are redacted. */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['*.headers.authorization', '*.headers.Authorization', '*.password', '*.token'], censor: '[redacted]' },
  });
}
