/**
 * X-of-Y rule, pure: a check is down when at least X of its last Y probes failed. A count of
 * failures in a row misses a check that fails every other probe (1-0-1-0); this does not.
 *
 * The last Y outcomes are kept as a ring serialised to a short string, oldest first, '1' for a
 * failed probe and '0' for a passed one ('0101'): it fits in the check's JSON state as is.
 *
 * Fewer than Y results yet: the rule counts what there is. X failures among the first results
 * already make "at least X of the last Y" true whatever the missing ones turn out to be, so a
 * new check that is down from its first probe alerts after X failures rather than waiting for Y.
 * It never fires on a first failure when X > 1, and cannot fire on fewer than X results.
 */

export interface XOfYRule {
  /** X: failures needed. */
  failures: number;
  /** Y: how many of the latest outcomes are looked at. */
  of: number;
}

/** The last outcomes, oldest first: '1' failed, '0' passed; at most Y characters. */
export type OutcomeRing = string;

export const EMPTY_OUTCOME_RING: OutcomeRing = '';

/** The ring after one more outcome: it drops the oldest so it holds at most `of` (Y) outcomes. */
export function recordOutcome(ring: OutcomeRing, failed: boolean, of: number): OutcomeRing {
  const next = ring + (failed ? '1' : '0');
  return next.slice(Math.max(0, next.length - of));
}

/** Failures among the last `of` outcomes (a ring stored under a larger Y before a reload may be longer). */
export function failuresInLast(ring: OutcomeRing, of: number): number {
  let failures = 0;
  for (const outcome of ring.slice(Math.max(0, ring.length - of))) if (outcome === '1') failures += 1;
  return failures;
}

/** Down when at least X of the last Y outcomes failed. X > Y can never be met (the config schema rejects it). */
export function isDownXOfY(ring: OutcomeRing, rule: XOfYRule): boolean {
  return failuresInLast(ring, rule.of) >= rule.failures;
}
