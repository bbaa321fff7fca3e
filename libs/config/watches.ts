import { z } from 'zod';
import { duration, id, inMs, labels, pattern, positiveInt } from './fields.js';

const watchEvent = z.enum(['add', 'change', 'unlink', 'addDir', 'unlinkDir']);
export type WatchEvent = z.output<typeof watchEvent>;

export const watch = inMs(z.strictObject({
  id,
  paths: z.array(z.string().min(1)).min(1),
  recursive: z.boolean().default(false),
  include: z.array(z.string().min(1)).default(() => []),
  exclude: z.array(z.string().min(1)).default(() => []),
  /** Appended lines matching this pattern count as hits. */
  match: pattern.optional(),
  threshold: inMs(z.strictObject({ count: positiveInt, within: duration }), ['within']).default(() => ({ count: 1, withinMs: 60_000 })),
  /** Without it, a watch of paths reports add, change and unlink; a watch of content (match, maxAge) reports none. */
  on: z.array(watchEvent).min(1).optional(),
  maxAge: duration.optional(),
  labels: labels.default(() => ({})),
}), ['maxAge']).transform(({ on, ...watch }) => {
  const watchesContent = watch.match !== undefined || watch.maxAgeMs !== undefined;
  return { ...watch, on: on ?? (watchesContent ? [] : ['add', 'change', 'unlink'] satisfies WatchEvent[]) };
});

export type WatchConfig = z.output<typeof watch>;
