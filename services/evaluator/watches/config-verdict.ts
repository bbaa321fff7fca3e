/**
 * ConfigRejected, pure: the configuration publisher's verdicts (ConfigObservationBatch) become
 * one alert per configuration source, firing from a rejection until a configuration is
 * accepted. A rejection of the text already reported is delivered again, not news; a rejection
 * of another text while it fires updates the problems the store shows, without a second
 * notification. The subject `vigil:config` has a history like any other (down while rejected).
 */
import { fingerprintOf, type StateTransition } from '../../../libs/alerts/index.js';
import type { ConfigObservationBatch } from '../../../libs/queues/index.js';
import { eventOf, type FiringAlert } from '../alert-events.js';
import type { RaisedAlert } from '../rule-alerts.js';
import type { CheckStatus } from '../state-machine.js';

export const CONFIG_SUBJECT = 'vigil:config';
export const CONFIG_REJECTED = 'ConfigRejected';
export const CONFIG_RULE = 'config';
const SUMMARY = 'configuration rejected, running the last accepted one';

export interface ConfigVerdictState {
  /** The newest verdict applied: an older one arriving late changes nothing. */
  atMs: number;
  /** The ConfigRejected alert of each source, with the sha of the text it is about. */
  firing: Record<string, FiringAlert & { sha: string }>;
}

export interface ConfigVerdictStep {
  after: ConfigVerdictState;
  raised: RaisedAlert[];
  transitions: StateTransition[];
}

/** severity is fixed, so it is left out of the fingerprint like a rule's severity on checks. */
export function configRejectedIdentity(configSource: string, startsAt: number): FiringAlert {
  const labels = { alertname: CONFIG_REJECTED, source: configSource };
  return { fingerprint: fingerprintOf(labels), labels: { ...labels, severity: 'warning' }, startsAt };
}

function describeProblems(batch: ConfigObservationBatch): string {
  const problems = batch.problems ?? [];
  if (problems.length === 0) return `${batch.configSource} (sha ${batch.sha.slice(0, 12)}) was rejected`;
  return `${batch.configSource} (sha ${batch.sha.slice(0, 12)}) was rejected:\n${problems.map((problem) => `- ${problem}`).join('\n')}`;
}

const statusOf = (state: ConfigVerdictState | undefined): CheckStatus => state === undefined ? 'unknown' : Object.keys(state.firing).length > 0 ? 'down' : 'up';

/** Undefined: nothing changes (a repeat, or older than the last verdict applied). */
export function applyConfigVerdict(state: ConfigVerdictState | undefined, batch: ConfigObservationBatch): ConfigVerdictStep | undefined {
  if (state !== undefined && batch.atMs < state.atMs) return undefined;
  const firing = { ...(state?.firing ?? {}) };
  const raised: RaisedAlert[] = [];
  if (batch.accepted) {
    // The configuration running now is the accepted one, whichever source was rejected before.
    for (const [source, alert] of Object.entries(firing)) {
      raised.push({ event: eventOf(alert, 'resolved', { summary: 'configuration accepted again', description: `${batch.configSource} (sha ${batch.sha.slice(0, 12)}) was accepted`, resolved_reason: 'accepted' }, batch.atMs), rule: CONFIG_RULE, notify: true });
      delete firing[source];
    }
  } else {
    const current = firing[batch.configSource];
    if (current?.sha === batch.sha) return undefined;
    const alert = { ...(current ?? configRejectedIdentity(batch.configSource, batch.atMs)), sha: batch.sha };
    const { sha: _sha, ...identity } = alert;
    raised.push({ event: eventOf(identity, 'firing', { summary: SUMMARY, description: describeProblems(batch) }), rule: CONFIG_RULE, value: `sha ${batch.sha.slice(0, 12)}`, notify: current === undefined });
    firing[batch.configSource] = alert;
  }
  const after: ConfigVerdictState = { atMs: batch.atMs, firing };
  if (state !== undefined && raised.length === 0 && batch.atMs === state.atMs) return undefined;
  const [from, to] = [statusOf(state), statusOf(after)];
  const transitions = from === to ? [] : [{ atMs: batch.atMs, from, to, reason: batch.accepted ? `${batch.configSource} accepted` : `${batch.configSource} rejected` }];
  return { after, raised, transitions };
}
