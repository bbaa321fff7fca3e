/**
 * The heartbeat path of the evaluator: pings from the api service (dispatch.ts) and the sweep
 * that finds missed deadlines and runs over grace, both committed by updateStates.
 */
import type { CheckConfig, HeartbeatCheckConfig } from '../../../libs/config/index.js';
import type { HeartbeatObservationBatch } from '../../../libs/queues/index.js';
import type { Change } from '../apply.js';
import { updateStates, type EvaluationDeps } from '../evaluate.js';
import { heartbeatChange, heartbeatSubject } from './heartbeat-change.js';

const CHUNK = 500;

export async function evaluateHeartbeatBatch(deps: EvaluationDeps, checks: Map<string, CheckConfig>, batch: HeartbeatObservationBatch, nowMs = Date.now()): Promise<void> {
  const check = checks.get(batch.checkId);
  const subject = heartbeatSubject(batch.checkId);
  // A ping for a check removed since the api service accepted it.
  if (check?.type !== 'heartbeat') {
    deps.unknown?.report([subject]);
    return;
  }
  await updateStates(deps, [subject], (stored) => ({ changes: definedOnly([heartbeatChange(check, stored.get(subject), batch, nowMs)]), points: [] }));
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
