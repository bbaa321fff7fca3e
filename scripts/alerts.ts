/**
 * `npm run alerts -- list | history CHECK [--limit N] [--json]`: what is firing and how checks
 * changed state, read from the alert store (libs/alerts) that the api service will also use.
 */
import { execute, parseCommand, USAGE } from './alerts/cli.js';
import { runRedisTool } from './cli-support.js';

// Exit explicitly, for the reason given in scripts/queues.ts.
process.exit(await runRedisTool({ name: 'alerts', usage: USAGE, parse: parseCommand, execute }, process.argv.slice(2), process.env));
