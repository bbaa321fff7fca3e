import type { Redis } from 'ioredis';
import { HISTORY_LENGTH, historyOfCheck, listActiveAlerts, type ActiveAlert, type StateTransition } from '../../libs/alerts/index.js';
import { limitFrom, parseToolArgs, UsageError } from '../cli-support.js';
import { table } from '../queues/format.js';

export const USAGE = `usage: npm run alerts -- <command> [--json]
  list                         alerts firing now: rule, subject, since, labels
  history CHECK [--limit N]    the check's state changes in every region, newest first (default ${HISTORY_LENGTH})
  --json                       machine-readable output
Redis: $REDIS_URL (default redis://127.0.0.1:6379)
`;

export type Command =
  | { name: 'help' }
  | { name: 'list'; json: boolean }
  | { name: 'history'; checkId: string; limit: number; json: boolean };

export function parseCommand(argv: string[]): Command {
  const { values, positionals } = parseToolArgs(argv);
  const [name, ...rest] = positionals;
  const json = values.json ?? false;
  if (values.help || name === 'help') return { name: 'help' };
  if (values.limit !== undefined && name !== 'history') throw new UsageError('--limit only applies to "history"');
  switch (name) {
    case 'list':
      if (rest.length > 0) throw new UsageError(`"list" takes no arguments, got ${rest.join(' ')}`);
      return { name, json };
    case 'history':
      if (rest.length !== 1) throw new UsageError(rest.length === 0 ? '"history" needs a check id' : `"history" takes one check id, got ${rest.join(' ')}`);
      return { name, checkId: rest[0]!, limit: limitFrom(values.limit, HISTORY_LENGTH), json };
    case undefined:
      throw new UsageError('missing command');
    default:
      throw new UsageError(`unknown command "${name}"`);
  }
}



/** Runs a parsed command against Redis and returns what to print. */
export async function execute(command: Command, redis: Redis): Promise<string> {
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
  }
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

/** Labels other than the two every row shows already. */
function labelText(labels: Record<string, string>): string {
  return Object.entries(labels).filter(([key]) => key !== 'alertname' && key !== 'check').map(([key, value]) => `${key}=${value}`).join(',');
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
