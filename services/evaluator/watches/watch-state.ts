/**
 * What the evaluator keeps per watch subject ("watch:<watch>@<host>", REDIS_KEYS.watchState),
 * plain JSON. Per path only what a rule of the watch needs between batches: its firing alerts,
 * its mtime (maxAge, which the sweep measures against now), its recent sizes (predictWithin),
 * its match window (match). A path with none of these has no entry, so a plain change watch of
 * a tree of 100,000 files keeps nothing until alerts fire. (maxAge on such a tree keeps one
 * mtime per file: a few tens of bytes each.)
 */
import type { WatchConfig } from '../../../libs/config/index.js';
import type { MatchWindow } from '../../../libs/watch/match-window.js';
import type { FiringAlert } from '../alert-events.js';
import type { CheckStatus } from '../state-machine.js';
import type { WatchRuleName } from './watch-alerts.js';

export interface WatchAlert extends FiringAlert {
  /** Epoch ms of the observation that last raised or refreshed it (FileChanged's resolveAfter counts from it). */
  firedAtMs: number;
  /** FileChanged: what the last change made of the file, so a repeat of it is no news. */
  changeKey?: string;
}

export interface PathState {
  alerts?: Partial<Record<WatchRuleName, WatchAlert>>;
  /** maxAge: the file's last modification (epoch ms) as the agent saw it. */
  mtimeMs?: number;
  /** predictWithin: recent sizes, flat [atMs, bytes, atMs, bytes, ...], oldest first, bounded. */
  sizes?: number[];
  /** match: the matches of the last `threshold.within`. */
  window?: MatchWindow;
}

export interface WatchState {
  /** The newest agent start whose observations were applied. */
  agentStartedAt: number;
  /** The newest observation applied (agent's epoch ms), for people and tests; batches may come out of order. */
  seenUntilMs: number;
  paths: Record<string, PathState>;
}

export const EMPTY_WATCH_STATE: WatchState = { agentStartedAt: 0, seenUntilMs: 0, paths: {} };

/** Every alert a watch state has queued as firing, with its path and rule. */
export function watchAlertsOf(state: WatchState): Array<{ path: string; rule: WatchRuleName; alert: WatchAlert }> {
  return Object.entries(state.paths).flatMap(([path, entry]) =>
    Object.entries(entry.alerts ?? {}).map(([rule, alert]) => ({ path, rule: rule as WatchRuleName, alert: alert! })));
}

/** The status of a watch subject people see: down while any of its alerts fires. */
export function watchStatusOf(state: WatchState | undefined): CheckStatus {
  if (state === undefined) return 'unknown';
  return watchAlertsOf(state).length > 0 ? 'down' : 'up';
}

/** The path's entry reduced to what the watch's rules use now; undefined when nothing is left. */
export function pruned(entry: PathState, watch: WatchConfig): PathState | undefined {
  const kept: PathState = {};
  if (entry.alerts && Object.keys(entry.alerts).length > 0) kept.alerts = entry.alerts;
  if (watch.maxAgeMs !== undefined && entry.mtimeMs !== undefined) kept.mtimeMs = entry.mtimeMs;
  if (watch.predictWithinMs !== undefined && entry.sizes && entry.sizes.length > 0) kept.sizes = entry.sizes;
  if (watch.match !== undefined && entry.window && entry.window.hits.length > 0) kept.window = entry.window;
  return Object.keys(kept).length > 0 ? kept : undefined;
}
