import { appendFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { inMs, show } from '../../config/fields.js';
import { channelFields } from '../channel-config.js';
import { ChannelRetryableError, type ReceiverAnswer } from '../errors.js';
import { renderTemplate, templateText, templateView } from '../template.js';
import { defineChannel, type Notification, type SendContext } from '../types.js';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const level = z.enum(LOG_LEVELS, { error: (issue) => `expected one of ${LOG_LEVELS.join(', ')}, got ${show(issue.input)}` });

/** Which service writes the file, and from which directory, is not obvious; an absolute path says where it is. */
const filePath = z.string().refine((value) => isAbsolute(value) && !/[\r\n\0]/.test(value), {
  error: (issue) => `expected an absolute file path like "/var/log/vigil/notifications.jsonl", got ${show(issue.input)}`,
});

const DEFAULT_MESSAGE = `{{ title }}{{#alerts}}
{{ status }}: {{ labels.alertname }}{{#labels.check}} {{ labels.check }}{{/labels.check}}{{#annotations.summary}}: {{ annotations.summary }}{{/annotations.summary}}{{/alerts}}`;

const schema = inMs(z.strictObject({
  ...channelFields('log'),
  /** Absent: warn while any alert fires, info once all are resolved. */
  level: level.optional(),
  /** The log line's message; values are inserted as they are (the line is JSON). */
  message: templateText.default(DEFAULT_MESSAGE),
  /** Also append each notification as one JSON line to this file (created if missing). */
  path: filePath.optional(),
}), ['timeout']);

export type LogChannelConfig = z.output<typeof schema>;

/**
 * Writes each notification as one structured line in the service's own log, and optionally
 * as one JSON line in a file: a channel for trying routes out, and an audit trail beside
 * the real receivers.
 */
export const log = defineChannel({
  type: 'log',
  schema,

  async send(config, notification, ctx) {
    const view = templateView(notification);
    const chosen = config.level ?? (view.status === 'firing' ? 'warn' : 'info');
    // The file first: when it fails, the retry writes the log line once rather than again.
    if (config.path !== undefined) await appendLine(config, config.path, notification, view.status, ctx);
    // Labels stay inside their alert: spread at the top, a label named "msg" or "level" would overwrite the line's own fields.
    ctx.log[chosen]({
      channelId: config.id,
      notificationId: notification.id,
      groupKey: notification.groupKey,
      groupLabels: notification.groupLabels,
      status: view.status,
      fingerprints: notification.alerts.map((alert) => alert.fingerprint),
      firingCount: view.firingCount,
      resolvedCount: view.resolvedCount,
    }, renderTemplate(config.message, view, 'none'));
    if (config.path === undefined) return {};
    return { body: `logged at ${chosen} and appended to the file` } satisfies ReceiverAnswer;
  },
});

/** One notification as the file holds it: one JSON object per line. */
export interface LoggedNotification {
  id: string;
  at: string;
  channelId: string;
  groupKey: string;
  groupLabels: Record<string, string>;
  status: 'firing' | 'resolved';
  alerts: Notification['alerts'];
}

async function appendLine(config: LogChannelConfig, path: string, notification: Notification, status: 'firing' | 'resolved', ctx: SendContext): Promise<void> {
  const what = `log channel "${config.id}"`;
  const entry: LoggedNotification = {
    id: notification.id,
    at: (ctx.now ?? new Date()).toISOString(),
    channelId: config.id,
    groupKey: notification.groupKey,
    groupLabels: notification.groupLabels,
    status,
    alerts: notification.alerts,
  };
  try {
    if (ctx.signal?.aborted) throw new DeadlineError('sending was cancelled');
    // One write of the whole line in append mode: lines from concurrent sends never interleave.
    const writing = appendFile(path, `${JSON.stringify(entry)}\n`, { encoding: 'utf8', flag: 'a', mode: 0o640 });
    await withinDeadline(writing, config.timeoutMs, ctx.signal);
  } catch (err) {
    // A full disk or a directory not mounted yet may be fixed before the next attempt.
    const reason = err instanceof DeadlineError ? err.message : (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ChannelRetryableError(config.id, `${what}: could not append to ${path} (${reason})`, { cause: err });
  }
}

class DeadlineError extends Error {}

/**
 * A file write cannot be cancelled, but a stuck one (a hung network mount) must not hold the
 * delivery worker past the channel timeout. A write that finishes later leaves a line the
 * retry repeats; the notification id tells the two apart.
 */
function withinDeadline(work: Promise<void>, timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (err?: unknown): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (err === undefined) resolve();
      else reject(err);
    };
    const onAbort = (): void => finish(new DeadlineError('sending was cancelled'));
    const timer = setTimeout(() => finish(new DeadlineError(`not written within ${timeoutMs}ms`)), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    work.then(() => finish(), (err: unknown) => finish(err));
  });
}
