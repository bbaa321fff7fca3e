/**
 * NoData: a subject (a check in a region) that stops producing results raises its own alert,
 * distinct from CheckDown, and shows `unknown` until results come again: time without data is
 * never reported as up. The probe pipeline being broken, or a region's workers gone, looks just
 * like this, and nothing else would say so. Found by a sweep, since a missing result is nothing
 * that arrives; apply.ts resolves the alert when the next result does.
 */
import { formatDuration, type CheckConfig } from '../../libs/config/index.js';
import { checkInRegion } from '../../libs/check-registry.js';
import { NO_DATA, alertIdentityOf, checkAnnotations, eventOf, summaryOf } from './alert-events.js';
import { NO_DATA_RULE, statusChange, type Change } from './apply.js';
import { updateStates, type EvaluationDeps } from './evaluate.js';
import type { StoredState } from './stored-state.js';
import { INITIAL_STATE } from './state-machine.js';

/** The floor of the default: a fast check's three missed intervals can be a slow queue, not a broken pipeline. */
export const MIN_DEFAULT_NO_DATA_MS = 60_000;

/**
 * How long a subject may go without results, or undefined for a check that never raises NoData
 * (`noData: false`, or paused). Default: three intervals and a timeout (late results, a retry),
 * at least a minute.
 */
export function noDataAfterMs(check: CheckConfig): number | undefined {
  // A heartbeat's silence is its own deadline (services/evaluator/heartbeats), not NoData.
  if (check.type === 'heartbeat' || check.paused || check.noData === false) return undefined;
  return check.noData?.afterMs ?? Math.max(3 * check.intervalMs + check.timeoutMs, MIN_DEFAULT_NO_DATA_MS);
}

/**
 * The NoData verdict for one subject, pure. A subject with no state yet gets one, so a check that
 * never reports is found too. `watchingSinceMs` is when this evaluator started sweeping: after a
 * whole stack was down, every check is silent, and it would be wrong to blame them before probes
 * had the time to resume.
 */
export function noDataChange(subject: string, region: string, check: CheckConfig, state: StoredState | undefined, nowMs: number, watchingSinceMs: number): Change | undefined {
  const afterMs = noDataAfterMs(check);
  if (afterMs === undefined) return undefined;
  if (state === undefined) {
    const created: StoredState = { ...INITIAL_STATE, sinceMs: nowMs };
    return { subject, region, check, before: INITIAL_STATE, after: created, raised: [], transitions: [] };
  }
  if (state.noData || state.status === 'paused') return undefined;
  const lastSeenMs = Math.max(state.lastTick, state.sinceMs ?? 0);
  if (nowMs - lastSeenMs <= afterMs || nowMs - watchingSinceMs < afterMs) return undefined;
  const identity = alertIdentityOf(check, region, lastSeenMs, NO_DATA);
  const description = `no results since ${new Date(lastSeenMs).toISOString()} (for more than ${formatDuration(afterMs)}): the probes of this region are not running or not reaching the evaluator`;
  const event = eventOf(identity, 'firing', checkAnnotations(check, `${summaryOf(NO_DATA, check.id)} in ${region}`, description));
  const after: StoredState = { ...state, noData: identity };
  return {
    subject, region, check, before: state, after,
    raised: [{ event, rule: NO_DATA_RULE, value: `last result ${new Date(lastSeenMs).toISOString()}`, notify: true }],
    transitions: statusChange(state, after, nowMs, `no results for more than ${formatDuration(afterMs)}`),
  };
}

const CHUNK = 500;

/** Sweeps every configured subject once; returns how many NoData alerts it raised. */
export async function sweepNoData(deps: EvaluationDeps, checks: Map<string, CheckConfig>, nowMs: number, watchingSinceMs: number): Promise<number> {
  const subjects: Array<{ subject: string; region: string; check: CheckConfig }> = [];
  for (const check of checks.values()) {
    if (noDataAfterMs(check) === undefined) continue;
    for (const region of check.regions) subjects.push({ subject: checkInRegion(check.id, region), region, check });
  }
  let raised = 0;
  for (let from = 0; from < subjects.length; from += CHUNK) {
    const chunk = subjects.slice(from, from + CHUNK);
    const changes = await updateStates(deps, chunk.map((item) => item.subject), (stored) => ({
      changes: chunk.flatMap(({ subject, region, check }) => noDataChange(subject, region, check, stored.get(subject), nowMs, watchingSinceMs) ?? []),
      points: [],
    }));
    raised += changes.filter((change) => change.raised.length > 0).length;
  }
  return raised;
}
