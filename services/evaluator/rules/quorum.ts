/**
 * Region quorum rule, pure: a check probed from several regions is down only when at least K of
 * them see it down (`quorum: 2`), so one region's network trouble does not page anyone. Each
 * region keeps its own state machine; this only combines their statuses.
 */

import type { CheckStatus } from '../state-machine.js';

export interface QuorumVerdict {
  down: boolean;
  /** Regions whose state is down, sorted so the alert's label is stable. */
  failingRegions: string[];
  /** Regions with any result yet (up, pending or down); unknown ones are not reporting. */
  reportingRegions: number;
}

/**
 * Combines per-region statuses. Only `down` counts as failing: a pending region has not yet
 * crossed its own failure threshold. Unknown regions count as neither up nor down.
 *
 * A quorum larger than the regions the check is probed from is capped at that number (all of
 * them must be down), so a default `quorum: 2` does not silently disable alerts on a check
 * probed from one region. Unknown regions still count as probed: a region that has gone silent
 * does not lower the bar (reporting a silent region is the NoData rule's job).
 */
export function evaluateQuorum(statuses: Readonly<Record<string, CheckStatus>>, quorum: number): QuorumVerdict {
  const regions = Object.keys(statuses);
  const failingRegions = regions.filter((region) => statuses[region] === 'down').sort();
  const reportingRegions = regions.filter((region) => statuses[region] !== 'unknown').length;
  const needed = effectiveQuorum(quorum, regions.length);
  return { down: regions.length > 0 && failingRegions.length >= needed, failingRegions, reportingRegions };
}

/** K capped at the number of regions, and at least 1 (a quorum of 0 would be down with no failure). */
export function effectiveQuorum(quorum: number, regionCount: number): number {
  return Math.max(1, Math.min(quorum, regionCount));
}
