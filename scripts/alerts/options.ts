/** What `npm run alerts` and its `maintenance` command both need to read arguments and print. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { MatcherSyntaxError, parseMatchers, type LabelMatcher } from '../../libs/alerts/matchers.js';
import { UsageError } from '../cli-support.js';

/** Options and positionals; an unknown option or a missing value is wrong usage. */
export function parseStrict<const T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (err) {
    // node:util reports unknown options and missing option values as TypeErrors with a readable message.
    throw new UsageError((err as Error).message);
  }
}

/** One argument may hold one matcher or a set (`{a="1", b=~"x|y"}`), as Alertmanager's tools accept. */
export function matchersOf(text: string): LabelMatcher[] {
  try {
    return parseMatchers(text);
  } catch (err) {
    if (err instanceof MatcherSyntaxError) throw new UsageError(err.message);
    throw err;
  }
}

/** --json output: indented, one trailing newline like the tables. */
export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
