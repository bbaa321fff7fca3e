import type { Redis } from 'ioredis';
import { parseDuration } from '../../libs/config/duration.js';
import {
  createMaintenanceWindow, deleteMaintenanceWindow, describeCoverage, describeSchedule, isoInstant, listMaintenanceWindows,
  MaintenanceError, windowActiveAt, type MaintenanceSchedule, type MaintenanceWindow, type MaintenanceWindowInput, type WindowActivity,
} from '../../libs/alerts/maintenance.js';
import { UsageError } from '../cli-support.js';
import { table } from '../queues/format.js';
import { json, matchersOf, parseStrict } from './options.js';

export const MAINTENANCE_USAGE = `usage: npm run alerts -- maintenance <command> [--json]
  add NAME [--check ID]... [MATCHER]... WHEN --author NAME
                               hold notifications for checks named by id or matched by labels
                               (MATCHER: team=db, env=~"prod|stage", {a="1", b!="2"})
    WHEN is one of:
      --from ISO --until ISO   once, between two times with Z or an offset (2026-03-29T02:00:00Z)
      --for DURATION           once, from now (30m, 2h, 1d)
      --cron "0 2 * * 0" --duration 2h [--timezone ZONE] [--from ISO] [--until ISO]
                               recurring: at every occurrence of the cron (5 or 6 fields) in ZONE
                               (an IANA name, default UTC), for the duration (1m to 7d)
  list                         every window: active now and until when, or when it next starts
  delete ID                    remove a window
  --json                       machine-readable output
`;

/** When an `add` holds: a one-off `for` is resolved against the clock when it runs. */
export type MaintenanceWhen = MaintenanceSchedule | { kind: 'for'; durationMs: number };

export type MaintenanceCommand =
  | { name: 'help' }
  | { name: 'add'; window: Omit<MaintenanceWindowInput, 'schedule'>; when: MaintenanceWhen; json: boolean }
  | { name: 'list'; json: boolean }
  | { name: 'delete'; id: string; json: boolean };

const OPTIONS = {
  check: { type: 'string', multiple: true },
  author: { type: 'string' },
  from: { type: 'string' },
  until: { type: 'string' },
  for: { type: 'string' },
  cron: { type: 'string' },
  duration: { type: 'string' },
  timezone: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseStrict<typeof OPTIONS>>['values'];
type OptionName = keyof typeof OPTIONS;

/** argv: the words after "maintenance". */
export function parseMaintenanceCommand(argv: string[]): MaintenanceCommand {
  const { values, positionals } = parseStrict(argv, OPTIONS);
  const [name, ...rest] = positionals;
  const json = values.json ?? false;
  if (values.help || name === 'help') return { name: 'help' };
  switch (name) {
    case 'add':
      return { name, ...parseAdd(values, rest), json };
    case 'list':
      onlyOptions(values, name, []);
      if (rest.length > 0) throw new UsageError(`"maintenance list" takes no arguments, got ${rest.join(' ')}`);
      return { name, json };
    case 'delete':
      onlyOptions(values, name, []);
      if (rest.length !== 1) throw new UsageError(rest.length === 0 ? '"maintenance delete" needs a window id' : `"maintenance delete" takes one window id, got ${rest.join(' ')}`);
      return { name, id: rest[0]!, json };
    case undefined:
      throw new UsageError('missing maintenance command (add, list or delete)');
    default:
      throw new UsageError(`unknown maintenance command "${name}"`);
  }
}

/** Options other than --json and --help belong to `add`. */
function onlyOptions(values: Values, command: string, allowed: OptionName[]): void {
  const stray = (Object.keys(values) as OptionName[]).filter((option) => option !== 'json' && option !== 'help' && !allowed.includes(option));
  if (stray.length > 0) throw new UsageError(`--${stray[0]} does not apply to "maintenance ${command}"`);
}

const MATCHER_LIKE = /^\s*\{?\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=~|!~|!=|=)/;

function parseAdd(values: Values, words: string[]): Pick<Extract<MaintenanceCommand, { name: 'add' }>, 'window' | 'when'> {
  const [name, ...matcherTexts] = words;
  if (name === undefined || name.trim() === '') throw new UsageError('"maintenance add" needs a NAME for the window');
  // A forgotten name would otherwise turn the first matcher into the name and drop it.
  if (MATCHER_LIKE.test(name)) throw new UsageError(`"maintenance add" takes the window's NAME first, then its matchers; got the matcher ${name}`);
  if (values.author === undefined || values.author.trim() === '') throw new UsageError('"maintenance add" needs --author NAME (who is doing the maintenance)');
  const checks = values.check ?? [];
  const matchers = matcherTexts.flatMap(matchersOf);
  if (checks.length === 0 && matchers.length === 0) throw new UsageError('"maintenance add" needs at least one --check ID or MATCHER');
  return { window: { name, createdBy: values.author, checks, matchers }, when: whenOf(values) };
}

function whenOf(values: Values): MaintenanceWhen {
  if (values.cron !== undefined) return recurringOf(values);
  if (values.duration !== undefined) throw new UsageError('--duration goes with --cron; a one-off window takes --for DURATION or --from/--until');
  if (values.timezone !== undefined) throw new UsageError('--timezone goes with --cron (one-off times carry their own offset)');
  if (values.for !== undefined) {
    if (values.from !== undefined || values.until !== undefined) throw new UsageError('give either --for or --from/--until, not both');
    return { kind: 'for', durationMs: durationOf(values.for, '--for') };
  }
  if (values.from === undefined || values.until === undefined) {
    throw new UsageError('"maintenance add" needs when: --from ISO --until ISO, --for DURATION, or --cron EXPR --duration DURATION');
  }
  return { kind: 'once', startsAt: instantOf(values.from, '--from'), endsAt: instantOf(values.until, '--until') };
}

function recurringOf(values: Values): MaintenanceSchedule {
  if (values.for !== undefined) throw new UsageError('--for is for one-off windows; a recurring one takes --duration');
  if (values.duration === undefined) throw new UsageError('--cron needs --duration DURATION (how long each occurrence holds)');
  return {
    kind: 'recurring',
    cron: values.cron!,
    durationMs: durationOf(values.duration, '--duration'),
    timezone: values.timezone ?? 'UTC',
    ...(values.from === undefined ? {} : { from: instantOf(values.from, '--from') }),
    ...(values.until === undefined ? {} : { until: instantOf(values.until, '--until') }),
  };
}

function durationOf(text: string, option: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) throw new UsageError(`${option} expects a duration like 30m, 2h or 1d, got "${text}"`);
  return ms;
}

function instantOf(text: string, option: string): string {
  try {
    return isoInstant(text, option).toISOString();
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

// ---------------------------------------------------------------------------------------------

/** Runs a parsed command against Redis and returns what to print. `now` is for tests. */
export async function executeMaintenance(command: MaintenanceCommand, redis: Redis, now = new Date()): Promise<string> {
  switch (command.name) {
    case 'help':
      return MAINTENANCE_USAGE;
    case 'add': {
      const window = await createWindow(redis, command, now);
      const activity = windowActiveAt(window, now);
      return command.json ? json({ window: withActivity(window, activity) }) : formatCreated(window, activity);
    }
    case 'list': {
      const windows = await listMaintenanceWindows(redis, now);
      return command.json ? json({ windows: windows.map((window) => withActivity(window, windowActiveAt(window, now))) }) : formatWindows(windows, now);
    }
    case 'delete': {
      const window = await deleteMaintenanceWindow(redis, command.id);
      return command.json ? json({ deleted: window }) : `deleted maintenance window ${window.id} "${window.name}"\n`;
    }
  }
}

async function createWindow(redis: Redis, command: Extract<MaintenanceCommand, { name: 'add' }>, now: Date): Promise<MaintenanceWindow> {
  const schedule: MaintenanceSchedule = command.when.kind === 'for'
    ? { kind: 'once', startsAt: now.toISOString(), endsAt: new Date(now.getTime() + command.when.durationMs).toISOString() }
    : command.when;
  try {
    return await createMaintenanceWindow(redis, { ...command.window, schedule }, now);
  } catch (err) {
    // What the store refuses is what the user typed: wrong usage, shown with the usage.
    if (err instanceof MaintenanceError && err.code === 'VIGIL_MAINTENANCE_INVALID') throw new UsageError(err.message);
    throw err;
  }
}

function formatCreated(window: MaintenanceWindow, activity: WindowActivity): string {
  return `created maintenance window ${window.id} "${window.name}" for ${describeCoverage(window)}: ${statusText(activity)}\n`;
}

export function formatWindows(windows: MaintenanceWindow[], now: Date): string {
  if (windows.length === 0) return 'no maintenance windows\n';
  const rows = windows.map((window) => [
    window.id, window.name, statusText(windowActiveAt(window, now)), describeSchedule(window.schedule), describeCoverage(window), window.createdBy,
  ]);
  return `${table(['ID', 'NAME', 'STATUS', 'SCHEDULE', 'COVERS', 'AUTHOR'], rows)}\n`;
}

function statusText(activity: WindowActivity): string {
  if (activity.active) return `active until ${activity.endsAt.toISOString()}`;
  return activity.nextStartsAt ? `starts ${activity.nextStartsAt.toISOString()}` : 'over';
}

function withActivity(window: MaintenanceWindow, activity: WindowActivity) {
  const when = activity.active ? { endsAt: activity.endsAt.toISOString() } : activity.nextStartsAt ? { nextStartsAt: activity.nextStartsAt.toISOString() } : {};
  return { ...window, active: activity.active, ...when };
}
