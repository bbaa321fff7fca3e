/**
 * PipelineStalled, pure: probed checks are configured but no probe result has reached an
 * evaluator for longer than their cadence allows. Every check then sits in its last state
 * (NoData fires too, per check, but only after each check's own allowance, and one alert
 * naming the cause is what an on-call person needs). It resolves when results flow again.
 */
import { fingerprintOf, type StateTransition } from '../../libs/alerts/index.js';
import { formatDuration, isProbed, type CheckConfig } from '../../libs/config/index.js';
import { eventOf, type FiringAlert } from './alert-events.js';
import type { RaisedAlert } from './rule-alerts.js';

export const PIPELINE_SUBJECT = 'vigil:pipeline';
export const PIPELINE_STALLED = 'PipelineStalled';
const RULE = 'pipeline';
export const MIN_STALLED_AFTER_MS = 60_000;

export interface WatchdogState {
  firing?: FiringAlert & { sinceResultMs: number };
}

export interface WatchdogInput {
  /** The newest probe result applied (vigil:pipeline:last-result), or when this evaluator started, whichever is newer. */
  lastResultMs: number;
  nowMs: number;
  /** undefined: no probed check, nothing to expect. */
  stalledAfterMs: number | undefined;
  probedChecks: number;
}

export interface WatchdogStep {
  after: WatchdogState;
  raised: RaisedAlert[];
  transitions: StateTransition[];
}

/** Three of the shortest cadence's ticks plus its timeout, and at least a minute. */
export function stalledAfterMs(checks: readonly CheckConfig[]): number | undefined {
  const probed = checks.filter((check) => isProbed(check) && !check.paused);
  if (probed.length === 0) return undefined;
  const fastest = probed.reduce((best, check) => (check.intervalMs < best.intervalMs ? check : best));
  return Math.max(3 * fastest.intervalMs + fastest.timeoutMs, MIN_STALLED_AFTER_MS);
}

function identityAt(startsAtMs: number): FiringAlert {
  const labels = { alertname: PIPELINE_STALLED };
  return { fingerprint: fingerprintOf(labels), labels: { ...labels, severity: 'critical' }, startsAt: startsAtMs };
}

/** Undefined: nothing changes. */
export function decideWatchdog(state: WatchdogState | undefined, input: WatchdogInput): WatchdogStep | undefined {
  const silentMs = input.nowMs - input.lastResultMs;
  const stalled = input.stalledAfterMs !== undefined && silentMs > input.stalledAfterMs;
  const firing = state?.firing;
  if (stalled && !firing) {
    const identity = identityAt(input.nowMs);
    const since = new Date(input.lastResultMs).toISOString();
    const annotations = {
      summary: `no probe results for ${formatDuration(silentMs)}`,
      description: `No probe result has reached an evaluator since ${since} (${formatDuration(silentMs)}, more than the ${formatDuration(input.stalledAfterMs!)} allowed) while ${input.probedChecks} probed checks are configured: check that the scheduler and probe-worker processes run and reach Redis, and the probes-<region> queues (npm run queues -- stats).`,
    };
    return {
      after: { firing: { ...identity, sinceResultMs: input.lastResultMs } },
      raised: [{ event: eventOf(identity, 'firing', annotations), rule: RULE, value: formatDuration(silentMs), notify: true }],
      transitions: [{ atMs: input.nowMs, from: 'up', to: 'down', reason: annotations.summary }],
    };
  }
  if (!stalled && firing) {
    const reason = input.stalledAfterMs === undefined ? 'no probed checks are configured any more' : `probe results flow again (newest at ${new Date(input.lastResultMs).toISOString()})`;
    const { sinceResultMs: _since, ...identity } = firing;
    return {
      after: {},
      raised: [{ event: eventOf(identity, 'resolved', { summary: 'probe results flow again', description: reason }, input.nowMs), rule: RULE, notify: true }],
      transitions: [{ atMs: input.nowMs, from: 'down', to: 'up', reason }],
    };
  }
  return undefined;
}
