/**
 * `npm run config:check -- [FILE]`: validates a configuration file the way the services will
 * load it (same environment expansion, same defaults) and lists every problem, so a bad file
 * is caught before a deploy instead of by a crash-looping service.
 *
 * Exit codes: 0 valid, 1 invalid or unreadable, 2 wrong usage.
 */
import { ConfigError, configPathFrom, formatProblem, loadConfigFile, type Config } from '../libs/config/index.js';

const USAGE = 'usage: npm run config:check -- [FILE | --config FILE]   (default: $VIGIL_CONFIG, then ./vigil.yaml)\n';

/** The file named on the command line, or the one the services would load. */
function fileFrom(argv: string[], env: NodeJS.ProcessEnv): string | undefined {
  const positional = argv.filter((arg, index) => !arg.startsWith('-') && argv[index - 1] !== '--config');
  const unknownFlag = argv.some((arg) => arg.startsWith('-') && arg !== '--config');
  if (unknownFlag || positional.length > 1 || (argv.includes('--config') && positional.length > 0)) return undefined;
  return positional[0] ?? configPathFrom(argv, env);
}

function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nouns}`;
}

function summary(file: string, config: Config): string {
  const counts = [
    plural(config.checks.length, 'check'),
    plural(config.watches.length, 'watch', 'watches'),
    plural(config.channels.length, 'channel'),
    plural(config.routes.length, 'route'),
  ];
  return `${file}: ok (${counts.join(', ')})`;
}

function main(argv: string[], env: NodeJS.ProcessEnv): number {
  const file = fileFrom(argv, env);
  if (file === undefined) {
    process.stderr.write(USAGE);
    return 2;
  }
  try {
    process.stdout.write(`${summary(file, loadConfigFile(file, env))}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const problems = err.problems.map((problem) => `  ${formatProblem(problem)}\n`).join('');
    process.stderr.write(`${file}: invalid configuration (${plural(err.problems.length, 'problem')})\n${problems}`);
    return 1;
  }
}

process.exitCode = main(process.argv.slice(2), process.env);
