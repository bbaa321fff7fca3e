/**
 * Routes each batch on the results queue to the path of its source (libs/queues
 * ObservationBatch): probe results to the check states, a file agent's observations to the
 * watch states, the configuration publisher's verdicts to ConfigRejected, heartbeat pings to
 * their checks' states (heartbeats/). A source without a
 * path here does not compile.
 */
import type { CheckConfig, WatchConfig } from '../../libs/config/index.js';
import type { ObservationBatch } from '../../libs/queues/index.js';
import { evaluateBatch, type EvaluationDeps } from './evaluate.js';
import { evaluateHeartbeatBatch } from './heartbeats/evaluate-heartbeat.js';
import { evaluateConfigBatch, evaluateWatchBatch } from './watches/evaluate-watch.js';

export interface Configured {
  checks: Map<string, CheckConfig>;
  watches: Map<string, WatchConfig>;
}

/** `batchId`: the batch's job id, which tells a batch delivered again from a new one. */
export function evaluateObservations(deps: EvaluationDeps, configured: Configured, batch: ObservationBatch, batchId?: string): Promise<void> {
  switch (batch.source) {
    case 'watch': return evaluateWatchBatch(deps, configured.watches, batch, batchId === undefined ? {} : { batchId });
    case 'config': return evaluateConfigBatch(deps, batch);
    case 'heartbeat': return evaluateHeartbeatBatch(deps, configured.checks, batch);
    case 'probe':
    case undefined: return evaluateBatch(deps, configured.checks, batch);
    default: return unhandled(batch);
  }
}

function unhandled(batch: never): never {
  throw new Error(`no evaluation path for observations of source ${String((batch as { source?: unknown }).source)}`);
}
