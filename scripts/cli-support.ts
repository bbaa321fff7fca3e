/**
 * What Vigil's command-line tools (`npm run queues`, `npm run alerts`) share: wrong usage,
 * a fail-fast Redis connection, and exit codes: 0 done, 1 Redis unreachable or failed,
 * 2 wrong usage.
 */
import { parseArgs } from 'node:util';
import type { Redis } from 'ioredis';
import { createRedis, redisUrlFrom } from '../libs/queues/index.js';

/** Wrong invocation: the tool prints the message and the usage, and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Both tools take the same options: --json, --limit N, --help. */
export function parseToolArgs(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { json: { type: 'boolean' }, limit: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    // node:util reports unknown options and missing option values as TypeErrors with a readable message.
    throw new UsageError((err as Error).message);
  }
}

/** --limit N: a positive whole number, or the default. */
export function limitFrom(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^[1-9]\d*$/.test(text)) throw new UsageError(`--limit expects a positive whole number, got "${text}"`);
  return Number(text);
}

/** The URL without its password, for error messages. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable REDIS_URL)';
  }
}

export interface RedisTool<C> {
  /** Shown before every message: `queues: unknown command`. */
  name: string;
  usage: string;
  parse(argv: string[]): C;
  /** What to print. */
  execute(command: C, redis: Redis): Promise<string>;
}

/** Parses argv, runs the command against $REDIS_URL and returns the exit code. */
export async function runRedisTool<C>(tool: RedisTool<C>, argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  try {
    const command = tool.parse(argv);
    const url = redisUrlFrom(env);
    const redis = createRedis(url, 'cli');
    let lastError: Error | undefined;
    // ioredis reports connection failures as events; keep the last one to explain a failed command.
    redis.on('error', (err: Error) => { lastError = err; });
    try {
      await redis.ping().catch((err: Error) => {
        throw new Error(`cannot reach Redis at ${safeUrl(url)}: ${lastError?.message ?? err.message}`);
      });
      process.stdout.write(await tool.execute(command, redis));
      return 0;
    } finally {
      redis.disconnect();
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${tool.name}: ${err.message}\n${tool.usage}`);
      return 2;
    }
    process.stderr.write(`${tool.name}: ${(err as Error).message}\n`);
    return 1;
  }
}
