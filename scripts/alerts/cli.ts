import { parseArgs } from 'node:util';
import type { Redis } from 'ioredis';
import { acknowledge, listAcknowledgements, type Acknowledgement } from '../../libs/alerts/acks.js';
import { DELIVERY_LOG_LENGTH, formatMatchers, HISTORY_LENGTH, historyOfCheck, listActiveAlerts, readDeliveryLog, type ActiveAlert, type DeliveryLogEntry, type StateTransition } from '../../libs/alerts/index.js';
import { createSilence, expireSilence, listSilences, SILENCE_RETENTION_MS, silenceStatus, type Silence, type SilenceInput } from '../../libs/alerts/silences.js';
import { formatDuration, parseDuration } from '../../libs/config/duration.js';
import { limitFrom, UsageError } from '../cli-support.js';
import { table } from '../queues/format.js';
import { executeMaintenance, parseMaintenanceCommand, type MaintenanceCommand } from './maintenance-command.js';
import { json, matchersOf, parseStrict } from './options.js';

export const USAGE = `usage: npm run alerts -- <command> [--json]
  list                         alerts firing now: rule, subject, since, labels
  history CHECK [--limit N]    the check's state changes in every region, newest first (default ${HISTORY_LENGTH})
  silence add MATCHER... --duration 2h | --until TIME [--from TIME] [--author NAME] --comment TEXT [--notify-resolved]
                               mute notifications of the alerts every MATCHER matches (check=shop-api
                               severity=~"critical|page" team!=infra); prints the new silence's id.
                               --notify-resolved: still tell people when a muted alert resolves
  silence list [--all]         active and pending silences; --all adds expired ones (kept ${formatDuration(SILENCE_RETENTION_MS)})
  silence expire ID            end a silence now (also: expire ID)
  ack CHECK|FINGERPRINT [--author NAME] [--comment TEXT]
                               acknowledge an outage: the firing alerts of a check, or one alert; they stop
                               repeating and escalating until they resolve
  acks                         the acknowledgements given
  maintenance add | list | delete
                               maintenance windows (npm run alerts -- maintenance --help)
  deliveries [--channel ID] [--limit N]
                               the last delivery attempts, newest first: outcome, attempts, the receiver's answer
  --json                       machine-readable output
TIME is ISO 8601 with a zone (2025-06-01T18:00:00Z); --author defaults to $USER.
Redis: $REDIS_URL (default redis://127.0.0.1:6379)
`;

export type Command =
  | { name: 'help' }
  | { name: 'list'; json: boolean }
  | { name: 'history'; checkId: string; limit: number; json: boolean }
  | { name: 'silence add'; silence: SilenceInput; json: boolean }
  | { name: 'silence list'; includeExpired: boolean; json: boolean }
  | { name: 'silence expire'; id: string; json: boolean }
  | { name: 'ack'; target: string; by: string; comment: string; json: boolean }
  | { name: 'acks'; json: boolean }
  | { name: 'deliveries'; channelId?: string; limit: number; json: boolean }
  | { name: 'maintenance'; command: MaintenanceCommand };

/** The commands whose options this file parses. */
type CommandName = Exclude<Command['name'], 'help' | 'maintenance'>;

const COMMAND_NAMES: readonly CommandName[] = ['list', 'history', 'silence add', 'silence list', 'silence expire', 'ack', 'acks', 'deliveries'];

/** Shorter spellings: `expire ID` as Alertmanager's amtool has it. */
const ALIASES: Record<string, CommandName> = { expire: 'silence expire' };

const OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  limit: { type: 'string' },
  channel: { type: 'string' },
  all: { type: 'boolean' },
  duration: { type: 'string' },
  until: { type: 'string' },
  from: { type: 'string' },
  author: { type: 'string' },
  comment: { type: 'string' },
  'notify-resolved': { type: 'boolean' },
} as const;

type OptionName = keyof typeof OPTIONS;

/** The commands each option is for; --json and --help go with every command. */
const OPTION_COMMANDS: Record<Exclude<OptionName, 'json' | 'help'>, readonly CommandName[]> = {
  limit: ['history', 'deliveries'],
  channel: ['deliveries'],
  all: ['silence list'],
  duration: ['silence add'],
  until: ['silence add'],
  from: ['silence add'],
  author: ['silence add', 'ack'],
  comment: ['silence add', 'ack'],
  'notify-resolved': ['silence add'],
};

/** `env` supplies the default --author ($USER). */
export function parseCommand(argv: string[], env: NodeJS.ProcessEnv = process.env): Command {
  const delegated = parseDelegated(argv);
  if (delegated) return delegated;
  const { values, positionals } = parseStrict(argv, OPTIONS);
  if (values.help || positionals[0] === 'help') return { name: 'help' };
  const { name, rest } = commandOf(positionals);
  checkOptionsApply(values, name);
  const json = values.json ?? false;
  switch (name) {
    case 'list':
      if (rest.length > 0) throw new UsageError(`"list" takes no arguments, got ${rest.join(' ')}`);
      return { name, json };
    case 'history':
      if (rest.length !== 1) throw new UsageError(rest.length === 0 ? '"history" needs a check id' : `"history" takes one check id, got ${rest.join(' ')}`);
      return { name, checkId: rest[0]!, limit: limitFrom(values.limit, HISTORY_LENGTH), json };
    case 'silence add':
      return { name, silence: silenceInput(rest, values, env), json };
    case 'silence list':
      if (rest.length > 0) throw new UsageError(`"silence list" takes no arguments, got ${rest.join(' ')}`);
      return { name, includeExpired: values.all ?? false, json };
    case 'silence expire':
      return { name, id: oneArgument(name, 'silence id', rest), json };
    case 'ack':
      return { name, target: oneArgument(name, 'check id or alert fingerprint', rest), by: authorOf(values, env), comment: values.comment ?? '', json };
    case 'acks':
      if (rest.length > 0) throw new UsageError(`"acks" takes no arguments, got ${rest.join(' ')}`);
      return { name, json };
    case 'deliveries':
      if (rest.length > 0) throw new UsageError(`"deliveries" takes no arguments, got ${rest.join(' ')} (a channel is --channel ID)`);
      return { name, ...(values.channel === undefined ? {} : { channelId: values.channel }), limit: limitFrom(values.limit, DELIVERY_LOG_LENGTH), json };
  }
}

/**
 * Commands that parse their own options (written apart from this file) get every argument
 * but their word, before ours would reject those options. Undefined: the command is ours.
 * A new command (`deliveries`) goes here if it brings its own parser; otherwise it joins
 * COMMAND_NAMES, OPTION_COMMANDS and the switches in parseCommand and execute.
 */
function parseDelegated(argv: string[]): Command | undefined {
  const word = commandWord(argv);
  switch (word?.value) {
    case 'maintenance':
      return { name: 'maintenance', command: parseMaintenanceCommand(withoutWord(argv, word.index)) };
    default:
      return undefined;
  }
}

/** The first positional argument and where it is; options we know are skipped with their values. */
function commandWord(argv: string[]): { value: string; index: number } | undefined {
  const { tokens } = parseArgs({ args: argv, options: OPTIONS, strict: false, allowPositionals: true, tokens: true });
  const first = tokens.find((token) => token.kind === 'positional');
  return first?.kind === 'positional' ? { value: first.value, index: first.index } : undefined;
}

/** Without the command word: options given before it (`--json maintenance list`) belong to the command too. */
function withoutWord(argv: string[], index: number): string[] {
  return [...argv.slice(0, index), ...argv.slice(index + 1)];
}

type Options = ReturnType<typeof parseStrict<typeof OPTIONS>>['values'];

function commandOf(positionals: string[]): { name: CommandName; rest: string[] } {
  const [word, ...afterWord] = positionals;
  if (word === undefined) throw new UsageError('missing command');
  const alias = ALIASES[word];
  if (alias !== undefined) return { name: alias, rest: afterWord };
  if (word !== 'silence') {
    if (!(COMMAND_NAMES as readonly string[]).includes(word)) throw new UsageError(`unknown command "${word}"`);
    return { name: word as CommandName, rest: afterWord };
  }
  const [sub, ...rest] = afterWord;
  if (sub === undefined) throw new UsageError('"silence" needs a subcommand: add, list or expire');
  const name = `silence ${sub}`;
  if (!(COMMAND_NAMES as readonly string[]).includes(name)) throw new UsageError(`unknown command "${name}" (silence takes add, list or expire)`);
  return { name: name as CommandName, rest };
}

function checkOptionsApply(values: Options, name: CommandName): void {
  for (const [option, commands] of Object.entries(OPTION_COMMANDS)) {
    if (values[option as OptionName] === undefined || commands.includes(name)) continue;
    throw new UsageError(`--${option} only applies to ${commands.map((command) => `"${command}"`).join(' and ')}`);
  }
}

function oneArgument(name: CommandName, what: string, rest: string[]): string {
  if (rest.length === 1) return rest[0]!;
  throw new UsageError(rest.length === 0 ? `"${name}" needs a ${what}` : `"${name}" takes one ${what}, got ${rest.join(' ')}`);
}

function silenceInput(matcherTexts: string[], values: Options, env: NodeJS.ProcessEnv): SilenceInput {
  const matchers = matcherTexts.flatMap(matchersOf);
  if (matchers.length === 0) throw new UsageError('"silence add" needs at least one matcher, like check=shop-api');
  if ((values.duration === undefined) === (values.until === undefined)) throw new UsageError('"silence add" needs one of --duration and --until');
  if (values.comment === undefined) throw new UsageError('"silence add" needs --comment (why it is silenced)');
  const startsAt = timeOf('from', values.from);
  const endsAt = timeOf('until', values.until);
  return {
    matchers,
    ...(startsAt ? { startsAt } : {}),
    ...(endsAt ? { endsAt } : { durationMs: durationOf(values.duration!) }),
    createdBy: authorOf(values, env),
    comment: values.comment,
    notifyResolved: values['notify-resolved'] ?? false,
  };
}

function durationOf(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) throw new UsageError(`--duration expects a duration like "2h" or "30m", got "${text}"`);
  return ms;
}

// A zone is required: a bare local time would mean different instants on different hosts.
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/i;

function timeOf(option: string, text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const at = ISO_TIME.test(text) ? new Date(text) : undefined;
  if (at === undefined || Number.isNaN(at.getTime())) {
    throw new UsageError(`--${option} expects an ISO 8601 time with a zone, like 2025-06-01T18:00:00Z, got "${text}"`);
  }
  return at;
}

/** Like amtool: whoever runs the command, unless told otherwise. */
function authorOf(values: Options, env: NodeJS.ProcessEnv): string {
  const author = values.author ?? env.USER ?? env.LOGNAME;
  if (author === undefined) throw new UsageError('--author is required ($USER is not set)');
  return author;
}

/** Runs a parsed command against Redis and returns what to print. */
export async function execute(command: Command, redis: Redis, now = new Date()): Promise<string> {
  switch (command.name) {
    case 'help':
      return USAGE;
    case 'list': {
      const alerts = await listActiveAlerts(redis);
      return command.json ? json({ alerts }) : formatAlerts(alerts);
    }
    case 'history': {
      const transitions = await historyOfCheck(redis, command.checkId, command.limit);
      return command.json ? json({ check: command.checkId, transitions }) : formatHistory(command.checkId, transitions);
    }
    case 'silence add': {
      const silence = await createSilence(redis, command.silence, now);
      return command.json ? json({ silence }) : `${silence.id}\n`;
    }
    case 'silence list': {
      const silences = await listSilences(redis, { includeExpired: command.includeExpired }, now);
      return command.json
        ? json({ silences: silences.map((silence) => ({ ...silence, status: silenceStatus(silence, now) })) })
        : formatSilences(silences, command.includeExpired, now);
    }
    case 'silence expire': {
      const silence = await expireSilence(redis, command.id, now);
      return command.json ? json({ silence }) : `expired silence ${silence.id}\n`;
    }
    case 'ack': {
      const acknowledgements = await acknowledge(redis, { target: command.target, by: command.by, comment: command.comment }, now);
      return command.json ? json({ acknowledgements }) : formatAcknowledged(acknowledgements, await listActiveAlerts(redis));
    }
    case 'acks': {
      const acknowledgements = await listAcknowledgements(redis);
      return command.json ? json({ acknowledgements }) : formatAcknowledgements(acknowledgements, await listActiveAlerts(redis));
    }
    case 'deliveries': {
      const entries = await readDeliveryLog(redis, { ...(command.channelId === undefined ? {} : { channelId: command.channelId }), limit: command.limit });
      return command.json ? json({ deliveries: entries }) : formatDeliveries(entries, command.channelId);
    }
    case 'maintenance':
      return executeMaintenance(command.command, redis, now);
  }
}

export function formatDeliveries(entries: DeliveryLogEntry[], channelId?: string): string {
  if (entries.length === 0) return channelId === undefined ? 'no deliveries recorded\n' : `no deliveries recorded for channel "${channelId}"\n`;
  const rows = entries.map((entry) => [
    entry.at, entry.channelId, entry.outcome, String(entry.attempts),
    entry.alerts.map((alert) => `${alert.alertname ?? '?'}${alert.check ? ` ${alert.check}` : ''} ${alert.status}`).join(', '),
    answerText(entry),
  ]);
  return `${table(['AT', 'CHANNEL', 'OUTCOME', 'ATTEMPTS', 'ALERTS', 'ANSWER'], rows)}\n`;
}

/** The receiver's status and the start of its body, else why the attempt failed. */
function answerText(entry: DeliveryLogEntry): string {
  const answer = entry.answer;
  const said = answer ? [answer.status === undefined ? '' : String(answer.status), answer.body ?? ''].filter(Boolean).join(' ') : '';
  const text = entry.outcome === 'delivered' ? said : said || entry.reason || '';
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

export function formatAlerts(alerts: ActiveAlert[]): string {
  if (alerts.length === 0) return 'no alert is firing\n';
  const rows = alerts.map((alert) => [alert.labels.alertname ?? '', alert.subject, alert.rule, alert.startsAt, alert.value ?? '', labelText(alert.labels)]);
  return `${table(['ALERT', 'SUBJECT', 'RULE', 'SINCE', 'VALUE', 'LABELS'], rows)}\n`;
}

export function formatHistory(checkId: string, transitions: Array<StateTransition & { subject: string }>): string {
  if (transitions.length === 0) return `no state changes recorded for "${checkId}"\n`;
  const rows = transitions.map((change) => [new Date(change.atMs).toISOString(), change.subject, `${change.from} -> ${change.to}`, change.reason ?? '']);
  return `${table(['AT', 'SUBJECT', 'CHANGE', 'REASON'], rows)}\n`;
}

export function formatSilences(silences: Silence[], includeExpired: boolean, now: Date): string {
  if (silences.length === 0) return includeExpired ? 'no silences\n' : 'no silence is active or pending\n';
  const rows = silences.map((silence) => [
    silence.id, silenceStatus(silence, now), formatMatchers(silence.matchers), silence.startsAt, silence.endsAt, silence.createdBy, silence.comment,
  ]);
  return `${table(['ID', 'STATUS', 'MATCHERS', 'STARTS', 'ENDS', 'BY', 'COMMENT'], rows)}\n`;
}

function formatAcknowledged(acks: Acknowledgement[], alerts: ActiveAlert[]): string {
  return `acknowledged ${acks.length === 1 ? '1 alert' : `${acks.length} alerts`}\n${formatAcknowledgements(acks, alerts)}`;
}

export function formatAcknowledgements(acks: Acknowledgement[], alerts: ActiveAlert[]): string {
  if (acks.length === 0) return 'no acknowledgements\n';
  const firing = new Map(alerts.map((alert) => [alert.fingerprint, alert]));
  const rows = acks.map((ack) => {
    const alert = firing.get(ack.fingerprint);
    return [ack.fingerprint, alert?.labels.alertname ?? '', alert?.subject ?? '(not firing)', ack.startsAt, ack.by, ack.at, ack.comment];
  });
  return `${table(['FINGERPRINT', 'ALERT', 'SUBJECT', 'OUTAGE SINCE', 'BY', 'AT', 'COMMENT'], rows)}\n`;
}

/** Labels other than the two every row shows already. */
function labelText(labels: Record<string, string>): string {
  return Object.entries(labels).filter(([key]) => key !== 'alertname' && key !== 'check').map(([key, value]) => `${key}=${value}`).join(',');
}
