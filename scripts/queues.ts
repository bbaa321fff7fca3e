/**
 * `npm run queues -- stats | failed QUEUE [--limit N] | retry QUEUE [--json]`: looks into
 * Vigil's BullMQ queues. The logic lives in scripts/queues/; this file only wires argv,
 * Redis and exit codes: 0 done, 1 Redis unreachable or failed, 2 wrong usage.
 */
import { createRedis, redisUrlFrom } from '../libs/queues/index.js';
import { execute, parseCommand, USAGE, UsageError, type Command } from './queues/cli.js';

/** The URL without its password, for error messages. */
function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable REDIS_URL)';
  }
}

async function run(command: Command, url: string): Promise<number> {
  const redis = createRedis(url, 'cli');
  let lastError: Error | undefined;
  // ioredis reports connection failures as events; keep the last one to explain a failed command.
  redis.on('error', (err: Error) => { lastError = err; });
  try {
    await redis.ping().catch((err: Error) => {
      throw new Error(`cannot reach Redis at ${safeUrl(url)}: ${lastError?.message ?? err.message}`);
    });
    process.stdout.write(await execute(command, redis));
    return 0;
  } finally {
    redis.disconnect();
  }
}

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  try {
    const command = parseCommand(argv);
    return await run(command, redisUrlFrom(env));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`queues: ${err.message}\n${USAGE}`);
      return 2;
    }
    process.stderr.write(`queues: ${(err as Error).message}\n`);
    return 1;
  }
}

// Exit explicitly: after a refused connection ioredis leaves a 2 s disconnect timer behind
// (AbstractConnector.disconnect waits for a 'close' that already happened). stdout to a pipe
// or file is synchronous on Linux, so nothing written is lost.
process.exit(await main(process.argv.slice(2), process.env));
