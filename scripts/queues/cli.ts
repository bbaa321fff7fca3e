import type { Redis } from 'ioredis';
import { limitFrom, parseToolArgs, UsageError } from '../cli-support.js';
import { configReport, failedJobs, queueStats, retryFailed } from './commands.js';
import { discoverQueues } from './discover.js';
import { formatConfig, formatFailed, formatRetry, formatStats } from './format.js';

const DEFAULT_LIMIT = 20;

export const USAGE = `usage: npm run queues -- <command> [--json]
  stats                        counts per queue (waiting, active, delayed, completed, failed, schedulers)
  failed QUEUE [--limit N]     the newest N failed jobs (default ${DEFAULT_LIMIT}) with attempts and reason
  retry QUEUE                  move every failed job of QUEUE back to waiting
  config                       the running configuration (version, sha, source, accepted at) and the last rejected edit
  --json                       machine-readable output
Redis: $REDIS_URL (default redis://127.0.0.1:6379)
`;

export { UsageError };

export type Command =
  | { name: 'help' }
  | { name: 'stats'; json: boolean }
  | { name: 'failed'; queue: string; limit: number; json: boolean }
  | { name: 'retry'; queue: string; json: boolean }
  | { name: 'config'; json: boolean };

export function parseCommand(argv: string[]): Command {
  const { values, positionals } = parseToolArgs(argv);
  const [name, ...rest] = positionals;
  const json = values.json ?? false;
  if (values.help || name === 'help') return { name: 'help' };
  if (values.limit !== undefined && name !== 'failed') throw new UsageError('--limit only applies to "failed"');
  switch (name) {
    case 'stats':
    case 'config':
      expectArguments(name, rest, 0);
      return { name, json };
    case 'failed':
      expectArguments(name, rest, 1);
      return { name, queue: rest[0]!, limit: limitFrom(values.limit, DEFAULT_LIMIT), json };
    case 'retry':
      expectArguments(name, rest, 1);
      return { name, queue: rest[0]!, json };
    case undefined:
      throw new UsageError('missing command');
    default:
      throw new UsageError(`unknown command "${name}"`);
  }
}


function expectArguments(command: string, rest: string[], count: 0 | 1): void {
  if (rest.length === count) return;
  if (count === 0) throw new UsageError(`"${command}" takes no arguments, got ${rest.join(' ')}`);
  throw new UsageError(rest.length === 0 ? `"${command}" needs a queue name` : `"${command}" takes one queue name, got ${rest.join(' ')}`);
}


/** Runs a parsed command against Redis and returns what to print (text or JSON). */
export async function execute(command: Command, redis: Redis): Promise<string> {
  if (command.name === 'help') return USAGE;
  if (command.name === 'config') {
    const report = await configReport(redis);
    return command.json ? json(report) : formatConfig(report);
  }
  const queues = await discoverQueues(redis);
  switch (command.name) {
    case 'stats': {
      const stats = await queueStats(redis, queues);
      return command.json ? json({ queues: stats }) : formatStats(stats);
    }
    case 'failed': {
      const listing = await failedJobs(redis, knownQueue(command.queue, queues), command.limit);
      return command.json ? json(listing) : formatFailed(listing);
    }
    case 'retry': {
      const outcome = await retryFailed(redis, knownQueue(command.queue, queues));
      return command.json ? json(outcome) : formatRetry(outcome);
    }
  }
}

/** Only queues Vigil owns: a typo must not silently report an empty queue (or create one). */
function knownQueue(name: string, queues: string[]): string {
  if (queues.includes(name)) return name;
  throw new UsageError(`unknown queue "${name}" (known: ${queues.join(', ')})`);
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
