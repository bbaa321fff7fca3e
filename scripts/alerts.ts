/**
 * `npm run alerts -- <command> [--json]`: what is firing (`list`), how checks changed state
 * (`history CHECK`), silences (`silence add | list | expire`) and acknowledgements (`ack`,
 * `acks`), read and written with the libs/alerts functions the notifier and the api service
 * use, so the CLI never disagrees with them. `--help` prints every command.
 */
import { execute, parseCommand, USAGE } from './alerts/cli.js';
import { runRedisTool } from './cli-support.js';

// Exit explicitly, for the reason given in scripts/queues.ts.
process.exit(await runRedisTool({ name: 'alerts', usage: USAGE, parse: parseCommand, execute }, process.argv.slice(2), process.env));
