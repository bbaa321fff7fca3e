/**
 * `npm run queues -- stats | failed QUEUE [--limit N] | retry QUEUE | config [--json]`: looks into
 * Vigil's BullMQ queues and its running configuration. The logic lives in scripts/queues/; this file only wires it up.
 */
import { runRedisTool } from './cli-support.js';
import { execute, parseCommand, USAGE } from './queues/cli.js';

// Exit explicitly: after a refused connection ioredis leaves a 2 s disconnect timer behind
// (AbstractConnector.disconnect waits for a 'close' that already happened). stdout to a pipe
// or file is synchronous on Linux, so nothing written is lost.
process.exit(await runRedisTool({ name: 'queues', usage: USAGE, parse: parseCommand, execute }, process.argv.slice(2), process.env));
