/**
 * How `npm start` shows the output of the processes it runs: every line tagged with the
 * process that wrote it. Pino JSON lines are rendered compactly ("15:04:05 INFO  [evaluator]
 * check is down checkId=demo-app") unless the format is "json", in which case every line
 * stays (or becomes) one JSON object with a "process" field, for log shippers.
 */

export type LogFormat = 'pretty' | 'json';

export type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

const LEVEL_NAMES: Record<number, Level> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
const LEVEL_NUMBERS: Record<Level, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };
const LEVEL_COLORS: Record<Level, string> = { trace: '90', debug: '36', info: '32', warn: '33', error: '31', fatal: '35' };

/** Fields every Vigil log line has that the prefix already shows. */
const HIDDEN_FIELDS = new Set(['level', 'time', 'msg', 'service', 'pid', 'hostname', 'v']);

export function logFormatFrom(env: NodeJS.ProcessEnv): LogFormat {
  return env.VIGIL_LOG_FORMAT?.toLowerCase() === 'json' ? 'json' : 'pretty';
}

export interface Renderer {
  /** One line a child wrote, as it should be printed (without a trailing newline). */
  line(name: string, text: string): string;
  /** One message of the supervisor's own, shown under `name` (e.g. "vigil"). */
  event(name: string, level: Level, msg: string, fields?: Record<string, unknown>): string;
}

export interface RendererOptions {
  format: LogFormat;
  /** Width the bracketed process names are padded to, so messages line up. */
  nameWidth: number;
  color?: boolean;
  /** Clock for lines that carry no time of their own; injectable for tests. */
  now?: () => Date;
}

export function createRenderer(options: RendererOptions): Renderer {
  const now = options.now ?? (() => new Date());
  const paint = (code: string, text: string): string => (options.color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const tag = (name: string): string => paint('1', `[${name}]`) + ' '.repeat(Math.max(0, options.nameWidth - name.length));
  const levelText = (level: Level | undefined): string => (level ? paint(LEVEL_COLORS[level], level.toUpperCase().padEnd(5)) : '     ');

  if (options.format === 'json') {
    return {
      line(name, text) {
        const parsed = parseJsonObject(text);
        if (parsed) return JSON.stringify({ process: name, ...parsed });
        return JSON.stringify({ level: 30, time: now().toISOString(), process: name, msg: text });
      },
      event(name, level, msg, fields = {}) {
        return JSON.stringify({ level: LEVEL_NUMBERS[level], time: now().toISOString(), process: name, msg, ...fields });
      },
    };
  }

  return {
    line(name, text) {
      const parsed = parseJsonObject(text);
      if (!parsed || (typeof parsed.msg !== 'string' && typeof parsed.level !== 'number')) {
        return `${clock(now())} ${levelText(undefined)} ${tag(name)} ${text}`;
      }
      const time = typeof parsed.time === 'string' || typeof parsed.time === 'number' ? new Date(parsed.time) : now();
      const level = typeof parsed.level === 'number' ? LEVEL_NAMES[parsed.level] : undefined;
      const msg = typeof parsed.msg === 'string' ? parsed.msg : '';
      const fields = Object.entries(parsed).filter(([key]) => !HIDDEN_FIELDS.has(key));
      return [`${clock(Number.isNaN(time.getTime()) ? now() : time)} ${levelText(level)} ${tag(name)} ${msg}`, ...fields.map(([key, value]) => formatField(key, value))]
        .filter((part) => part !== '')
        .join(' ');
    },
    event(name, level, msg, fields = {}) {
      return [`${clock(now())} ${levelText(level)} ${tag(name)} ${msg}`, ...Object.entries(fields).map(([key, value]) => formatField(key, value))].join(' ');
    },
  };
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') || !trimmed.endsWith('}')) return undefined;
  try {
    const value: unknown = JSON.parse(trimmed);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function clock(date: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/** `key=value`; errors show their message (and code), objects as compact JSON, spaced text quoted. */
export function formatField(key: string, value: unknown): string {
  if (value === undefined) return '';
  if ((key === 'err' || key === 'error') && value !== null && typeof value === 'object') {
    const err = value as { message?: unknown; code?: unknown; type?: unknown };
    const message = typeof err.message === 'string' ? err.message : JSON.stringify(value);
    const code = typeof err.code === 'string' || typeof err.code === 'number' ? ` (${err.code})` : '';
    return `${key}=${quote(message + code)}`;
  }
  if (typeof value === 'string') return `${key}=${quote(value)}`;
  if (value === null || typeof value !== 'object') return `${key}=${String(value)}`;
  return `${key}=${JSON.stringify(value)}`;
}

function quote(text: string): string {
  return /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text);
}
