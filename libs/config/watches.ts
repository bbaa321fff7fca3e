import { z } from 'zod';
import { boundedInt, duration, fileSize, id, inMs, labels, pattern, positiveInt } from './fields.js';

export const WATCH_EVENTS = ['add', 'change', 'unlink', 'addDir', 'unlinkDir'] as const;
const watchEvent = z.enum(WATCH_EVENTS);
export type WatchEvent = z.output<typeof watchEvent>;

/** A change alert that nobody acknowledges resolves after this long (`resolveAfter`). */
export const DEFAULT_RESOLVE_AFTER_MS = 60 * 60_000;

export const watch = inMs(z.strictObject({
  id,
  paths: z.array(z.string().min(1)).min(1),
  recursive: z.boolean().default(false),
  /** With `recursive`, how many levels of subfolders to enter (0: the paths' own entries only). */
  depth: boundedInt(0, 1_000, 'a depth from 0 to 1000').optional(),
  include: z.array(z.string().min(1)).default(() => []),
  exclude: z.array(z.string().min(1)).default(() => []),
  /** Appended lines matching this pattern count as hits. */
  match: pattern.optional(),
  threshold: inMs(z.strictObject({ count: positiveInt, within: duration }), ['within']).default(() => ({ count: 1, withinMs: 60_000 })),
  /** Lines longer than this are cut (and counted) before matching. */
  maxLineLength: boundedInt(16, 1_048_576, 'a line length from 16 to 1048576 bytes').default(65_536),
  /** Without it, a watch of paths reports add, change and unlink; a watch of content (match, maxAge, mustExist, maxSize) reports none. */
  on: z.array(watchEvent).min(1).optional(),
  /** Report what changed about each file against a baseline kept in Redis (sha256, size, mode, owner). */
  integrity: z.boolean().default(false),
  /** A file must change at least this often (a backup every 26h). */
  maxAge: duration.optional(),
  /** The watched files must exist; a missing one is an alert until it is back. */
  mustExist: z.boolean().default(false),
  /** A file larger than this is an alert. */
  maxSize: fileSize.optional(),
  /** With maxSize: alert when a file's growth will reach it within this long (the evaluator's trend rule). */
  predictWithin: duration.optional(),
  /** Report an add or change once the file's size has held still this long (files still being written). */
  settle: duration.optional(),
  /** Stat polling instead of inotify, for network file systems. */
  polling: z.boolean().default(false),
  pollInterval: duration.optional(),
  /** A change alert resolves when acknowledged, or after this long. */
  resolveAfter: duration.default(() => DEFAULT_RESOLVE_AFTER_MS),
  labels: labels.default(() => ({})),
}), ['maxAge', 'settle', 'pollInterval', 'resolveAfter', 'predictWithin']).superRefine((watch, ctx) => {
  if (watch.predictWithinMs !== undefined && watch.maxSize === undefined) {
    ctx.addIssue({ code: 'custom', path: ['predictWithin'], message: 'predictWithin needs maxSize, the size the prediction is about' });
  }
}).transform(({ on, maxSize, ...watch }) => {
  const watchesContent = watch.match !== undefined || watch.maxAgeMs !== undefined || watch.mustExist || maxSize !== undefined;
  return {
    ...watch,
    ...(maxSize === undefined ? {} : { maxSizeBytes: maxSize }),
    on: on ?? (watchesContent ? [] : ['add', 'change', 'unlink'] satisfies WatchEvent[]),
  };
});

export type WatchConfig = z.output<typeof watch>;
