/**
 * The heartbeat path of the evaluator: pings from the api service (dispatch.ts) and the sweep
 * that finds missed deadlines and runs over grace, both committed by updateStates.
 */
import type { CheckConfig, HeartbeatCheckConfig } from '../../../libs/config/index.js';
import type { HeartbeatObservationBatch, HeartbeatPing } from '../../../libs/queues/index.js';
import type { StoredState } from '../stored-state.js';
import type { Change } from '../apply.js';
import { updateStates, type EvaluationDeps } from '../evaluate.js';
import { heartbeatChange, heartbeatSubject } from './heartbeat-change.js';

const CHUNK = 500;

export async function evaluateHeartbeatBatch(deps: EvaluationDeps, checks: Map<string, CheckConfig>, batch: HeartbeatObservationBatch, nowMs = Date.now()): Promise<void> {
  const pingsBySubject = new Map<string, { check: HeartbeatCheckConfig; pings: HeartbeatPing[] }>();
  const unknown: string[] = [];
  for (const ping of batch.pings) {
    const check = checks.get(ping.checkId);
    const subject = heartbeatSubject(ping.checkId);
    // A ping for a check removed since the api service accepted it.
    if (check?.type !== 'heartbeat') {
      unknown.push(subject);
      continue;
    }
    const entry = pingsBySubject.get(subject);
    if (entry) entry.pings.push(ping);
    else pingsBySubject.set(subject, { check, pings: [ping] });
  }
  if (unknown.length > 0) deps.unknown?.report(unknown);
  if (pingsBySubject.size === 0) return;
  await updateStates(deps, [...pingsBySubject.keys()], (stored) => ({
    changes: definedOnly([...pingsBySubject].map(([subject, { check, pings }]) => pingsChange(check, stored.get(subject), pings, nowMs))),
    points: [],
  }));
}

/** One subject's pings of a batch, in the order received, as one Change: each ping sees the state the one before left. */
function pingsChange(check: HeartbeatCheckConfig, stored: StoredState | undefined, pings: HeartbeatPing[], nowMs: number): Change | undefined {
  let combined: Change | undefined;
  for (const ping of pings) {
    const change = heartbeatChange(check, combined?.after ?? stored, ping, nowMs);
    if (change === undefined) continue;
    combined = combined === undefined ? change : {
      ...combined, after: change.after, raised: [...combined.raised, ...change.raised], transitions: [...combined.transitions, ...change.transitions],
    };
  }
  return combined;
}

/** Every heartbeat check once: a check seen for the first time gets a state (its deadline counts from now). Returns how many went down. */
export async function sweepHeartbeats(deps: EvaluationDeps, checks: Map<string, CheckConfig>, nowMs: number): Promise<number> {
  const heartbeats = [...checks.values()].filter((check): check is HeartbeatCheckConfig => check.type === 'heartbeat' && !check.paused);
  let down = 0;
  for (let from = 0; from < heartbeats.length; from += CHUNK) {
    const chunk = heartbeats.slice(from, from + CHUNK);
    const changes = await updateStates(deps, chunk.map((check) => heartbeatSubject(check.id)), (stored) => ({
      changes: definedOnly(chunk.map((check) => heartbeatChange(check, stored.get(heartbeatSubject(check.id)), { kind: 'tick', atMs: nowMs }, nowMs))),
      points: [],
    }));
    down += changes.filter((change) => change.after.status === 'down' && change.before.status !== 'down').length;
  }
  return down;
}

function definedOnly(changes: Array<Change | undefined>): Change[] {
  return changes.filter((change): change is Change => change !== undefined);
}
