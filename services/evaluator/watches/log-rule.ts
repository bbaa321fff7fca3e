/**
 * LogPatternMatched, pure: the matches a file agent reports for a followed file (`lines`
 * observations) go into the path's sliding window (libs/watch/match-window.ts); the alert fires
 * while the window holds `threshold.count` matches within `threshold.within`, with a few sample
 * lines, and resolves once it holds fewer (the sweep slides the window when no lines come).
 */
import { formatDuration } from '../../../libs/config/index.js';
import type { WatchObservation } from '../../../libs/queues/index.js';
import { emptyMatchWindow, slideCounted } from '../../../libs/watch/match-window.js';
import { stepAlert, type PathContext, type PathStep } from './path-step.js';
import type { PathState } from './watch-state.js';

export type LinesObservation = Extract<WatchObservation, { kind: 'lines' }>;

/**
 * Slides the window by `lines` (none: the sweep) to `nowMs`. Batches slide to their newest
 * observation's time, the agent's clock, so a skew between hosts never drops fresh matches;
 * the sweep slides to the evaluator's.
 */
export function logMatched(entry: PathState, context: PathContext, lines: readonly LinesObservation[], nowMs: number): PathStep {
  const { match, threshold } = context.watch;
  if (match === undefined) return { entry, raised: [] };
  if (entry.window === undefined && lines.every((observation) => observation.matched === 0)) return { entry, raised: [] };
  const slid = slideCounted(entry.window ?? emptyMatchWindow(), lines, threshold, nowMs);
  const { window: _old, ...rest } = entry;
  const updated: PathState = slid.state.hits.length > 0 ? { ...rest, window: slid.state } : rest;
  const within = formatDuration(threshold.withinMs);
  const fresh = lines.some((observation) => observation.matched > 0);
  return stepAlert(updated, context, 'log-match', slid.firing
    ? {
      firing: true, atMs: nowMs, refresh: fresh, value: `${slid.held} matches within ${within}`,
      description: `at least ${threshold.count} lines matching /${match}/ within ${within}`,
      details: { samples: slid.samples.join('\n') },
    }
    : { firing: false, atMs: nowMs, description: `fewer than ${threshold.count} lines matching /${match}/ within ${within}` });
}
