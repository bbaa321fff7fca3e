/**
 * Flapping, pure: (state, change or now, rule) → new state, and one summary when an episode ends.
 *
 * A check that changes state more than `maxChanges` times within `windowMs` is flapping: each of
 * those changes would be a notification, and a pager that rings every minute is read as noise.
 * While flapping the caller holds notifications; when the check settles, `settled` returns one
 * summary of the whole episode instead.
 *
 *   not flapping ──change (> maxChanges in window)──▶ flapping ──settled(now)──▶ not flapping + summary
 *
 * The state is plain JSON (numbers and strings) so it can be stored beside the check's state.
 * Changes are expected in time order (the state machine already ignores out-of-order results);
 * one older than the last recorded change is ignored, so a replayed change is not counted twice.
 */

export interface FlappingRule {
  /** Flapping means MORE than this many changes within the window; exactly this many is not flapping. */
  maxChanges: number;
  windowMs: number;
  /**
   * An episode also ends after this long without a change, even if the window still counts too many
   * (a long window would otherwise hold a check that has clearly stopped changing). Without it, the
   * episode ends only once the window holds `maxChanges` or fewer.
   */
  settleMs?: number;
}

export interface StateChange {
  atMs: number;
  from: string;
  to: string;
}

/** One flapping episode, kept while it lasts so the summary can say what happened. */
export interface FlappingEpisode {
  /** Time of the change that started the episode: the first one whose notification was held. */
  since: number;
  /** The state before that change: the last one a notification told anybody about. */
  firstState: string;
  lastState: string;
  lastChangeAt: number;
  /** Changes during the episode, the one that started it included. */
  changes: number;
}

export interface FlappingState {
  /** Times of the most recent changes, oldest first, at most `maxChanges + 1` of them: enough to tell "more than N". */
  changeTimes: number[];
  episode?: FlappingEpisode;
}

/** What the one notification at the end of an episode says. */
export interface FlappingSummary {
  since: number;
  settledAt: number;
  changes: number;
  firstState: string;
  lastState: string;
}

export interface SettleResult {
  state: FlappingState;
  /** Present only on the call that ends an episode, so a summary is produced once. */
  summary?: FlappingSummary;
}

export const INITIAL_FLAPPING_STATE: FlappingState = { changeTimes: [] };

/** A change is inside the window while it is less than `windowMs` old; at exactly `windowMs` it has aged out. */
export function changesInWindow(state: FlappingState, rule: FlappingRule, nowMs: number): number {
  return state.changeTimes.filter((atMs) => nowMs - atMs < rule.windowMs).length;
}

export function isFlapping(state: FlappingState): boolean {
  return state.episode !== undefined;
}

/** Records one state change; starts an episode when it makes the window hold more than `maxChanges`. */
export function recordChange(state: FlappingState, change: StateChange, rule: FlappingRule): FlappingState {
  const last = state.changeTimes.at(-1);
  if (last !== undefined && change.atMs < last) return state;
  const recent = [...state.changeTimes, change.atMs].filter((atMs) => change.atMs - atMs < rule.windowMs);
  const changeTimes = recent.slice(-(rule.maxChanges + 1));
  if (state.episode) {
    const episode = { ...state.episode, lastState: change.to, lastChangeAt: change.atMs, changes: state.episode.changes + 1 };
    return { changeTimes, episode };
  }
  if (changeTimes.length <= rule.maxChanges) return { changeTimes };
  return { changeTimes, episode: { since: change.atMs, firstState: change.from, lastState: change.to, lastChangeAt: change.atMs, changes: 1 } };
}

/**
 * Ends the episode when the check has settled: quiet for `settleMs`, or the window (as of `nowMs`)
 * holds `maxChanges` or fewer. Call it on every evaluation; time passing alone can end an episode.
 */
export function settled(state: FlappingState, rule: FlappingRule, nowMs: number): SettleResult {
  const { episode } = state;
  if (!episode) return { state };
  const quiet = rule.settleMs !== undefined && nowMs - episode.lastChangeAt >= rule.settleMs;
  if (!quiet && changesInWindow(state, rule, nowMs) > rule.maxChanges) return { state };
  const summary: FlappingSummary = {
    since: episode.since,
    settledAt: nowMs,
    changes: episode.changes,
    firstState: episode.firstState,
    lastState: episode.lastState,
  };
  return { state: { changeTimes: state.changeTimes }, summary };
}
