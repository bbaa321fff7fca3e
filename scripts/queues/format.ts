import type { ConfigReport, FailedListing, QueueStats, RetryOutcome } from './commands.js';

/** Columns padded to their widest cell; numbers right-aligned so magnitudes line up. */
export function table(header: string[], rows: Array<Array<string | number>>): string {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const numeric = header.map((_, column) => rows.length > 0 && rows.every((row) => typeof row[column] === 'number'));
  const widths = header.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  return cells
    .map((row) => row
      .map((cell, column) => (numeric[column] ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd())
    .join('\n');
}

export function formatStats(stats: QueueStats[]): string {
  const rows = stats.map((queue) => [
    queue.paused ? `${queue.name} (paused)` : queue.name,
    queue.waiting, queue.active, queue.delayed, queue.completed, queue.failed, queue.schedulers,
  ]);
  return `${table(['QUEUE', 'WAITING', 'ACTIVE', 'DELAYED', 'COMPLETED', 'FAILED', 'SCHEDULERS'], rows)}\n`;
}

const REASON_WIDTH = 100;

/** First line of a reason, shortened; the JSON output keeps it whole. */
function shortReason(reason: string): string {
  const line = reason.split('\n')[0] ?? '';
  return line.length > REASON_WIDTH ? `${line.slice(0, REASON_WIDTH - 1)}…` : line;
}

export function formatFailed(listing: FailedListing): string {
  if (listing.total === 0) return `${listing.queue}: no failed jobs\n`;
  const shown = listing.jobs.length < listing.total ? ` (newest ${listing.jobs.length} shown)` : '';
  const rows = listing.jobs.map((job) => [
    job.id,
    `${job.attempts}/${job.maxAttempts}`,
    job.finishedOn === null ? '-' : new Date(job.finishedOn).toISOString(),
    shortReason(job.failedReason),
  ]);
  return `${listing.queue}: ${listing.total} failed${shown}\n${table(['ID', 'ATTEMPTS', 'FINISHED', 'REASON'], rows)}\n`;
}

export function formatRetry(outcome: RetryOutcome): string {
  const jobs = outcome.retried === 1 ? 'job' : 'jobs';
  return `${outcome.queue}: moved ${outcome.retried} failed ${jobs} back to waiting\n`;
}

function counted(count: number, noun: string): string {
  if (count === 1) return `1 ${noun}`;
  return `${count} ${noun}${noun.endsWith('h') ? 'es' : 's'}`;
}

export function formatConfig(report: ConfigReport): string {
  const { running, rejected } = report;
  const lines = running
    ? [
      `running configuration: version ${running.version}, sha ${running.sha}`,
      `  source:       ${running.source}`,
      `  accepted at:  ${running.acceptedAt ?? '-'}`,
      `  ${counted(running.checks, 'check')}, ${counted(running.watches, 'watch')}, ${counted(running.channels, 'channel')}`,
    ]
    : ['no configuration published yet (is the watcher running?)'];
  if (rejected) {
    lines.push(
      `last rejected edit: sha ${rejected.sha} at ${rejected.at} (${rejected.source}), ${running ? 'still running the configuration above' : 'nothing running'}`,
      ...rejected.problems.map((problem) => `  ${problem}`),
    );
  }
  return `${lines.join('\n')}\n`;
}
