/**
 * What a batch of observations does to the stored states, pure: the state machine, the
 * CheckDown alert (with X of Y, flapping and region quorum), NoData's end, the rules on measured
 * values and maintenance, and the points to store. evaluate.ts does the I/O around it.
 */
import type { CheckConfig } from '../../libs/config/index.js';
import { checkInRegion } from '../../libs/check-registry.js';
import type { StateTransition } from '../../libs/alerts/index.js';
import type { ProbeResult } from '../../libs/queues/index.js';
import { ALL_REGIONS, CHECK_DOWN, NO_DATA, alertIdentityOf, checkAnnotations, eventOf, retiredEventFor, summaryOf, type FiringAlert } from './alert-events.js';
import { DOWN_RULE, stepDownAlert, type DownAlertStep } from './down-alert.js';
import { readingOf, reasonOf } from './observations.js';
import { probePoint } from './points.js';
import { MEASURED_RULES, applyMeasuredRules, type RaisedAlert } from './rule-alerts.js';
import { evaluateQuorum } from './rules/quorum.js';
import { firingAlertsOf, shownStatus, type StoredState } from './stored-state.js';
import { INITIAL_STATE, step, type CheckStatus, type Transition } from './state-machine.js';

export const NO_DATA_RULE = 'nodata';

export interface Change {
  /** "<check>@<region>", or "<check>@*" for a check's quorum. */
  subject: string;
  region: string;
  check: CheckConfig;
  before: StoredState;
  after: StoredState;
  /** Alert events this batch raises for the subject, in order, with what the store records. */
  raised: RaisedAlert[];
  /** Every change of the status people see (shownStatus), in order, for the history and its points. */
  transitions: StateTransition[];
}

export interface EvaluationContext {
  /** Ids of checks in a maintenance window now. */
  maintenance?: ReadonlySet<string>;
}

/** The check a result belongs to, if the configuration probes it from the result's region. */
export function configuredCheckOf(result: Pick<ProbeResult, 'checkId' | 'region'>, checks: Map<string, CheckConfig>): CheckConfig | undefined {
  const check = checks.get(result.checkId);
  return check?.regions.includes(result.region) ? check : undefined;
}

/** A check probed from several regions with a quorum alerts once for all of them, not per region. */
export function usesQuorum(check: CheckConfig): boolean {
  return check.quorum !== undefined && check.regions.length > 1;
}

/** The subjects whose states a batch reads: those of its results, and every region and the quorum of a quorum check. */
export function subjectsRead(results: ProbeResult[], checks: Map<string, CheckConfig>): string[] {
  const subjects = new Set<string>();
  for (const result of results) {
    const check = configuredCheckOf(result, checks);
    if (!check || check.paused) continue;
    subjects.add(checkInRegion(result.checkId, result.region));
    if (!usesQuorum(check)) continue;
    for (const region of check.regions) subjects.add(checkInRegion(check.id, region));
    subjects.add(checkInRegion(check.id, ALL_REGIONS));
  }
  return [...subjects];
}

/**
 * Applies results in scheduled order. A result for a check or region no longer configured, or
 * for a paused check, is only measured. A subject whose alerts fired under other labels (they
 * were edited) first resolves them and starts over, so no alert is left that nothing resolves.
 */
export function applyResults(results: ProbeResult[], checks: Map<string, CheckConfig>, stored: Map<string, StoredState>, context: EvaluationContext = {}): { changes: Change[]; points: string[] } {
  const states = new Map<string, StoredState>(stored);
  const changes = new Map<string, Change>();
  const points: string[] = [];
  const quorumChecks = new Map<string, { check: CheckConfig; atMs: number }>();
  for (const result of [...results].sort((a, b) => a.scheduledAt - b.scheduledAt)) {
    const check = configuredCheckOf(result, checks);
    if (!check || check.paused) {
      // Probed before a pause took effect, or for a check no longer here: measured, no state.
      points.push(probePoint(result, check ? 'paused' : 'unknown'));
      continue;
    }
    const subject = checkInRegion(result.checkId, result.region);
    const current = states.get(subject) ?? INITIAL_STATE;
    const outcome = applyOne(current, result, check, context);
    points.push(probePoint(result, shownStatus(outcome?.after ?? current)));
    if (!outcome) continue;
    states.set(subject, outcome.after);
    record(changes, stored, { subject, region: result.region, check, ...outcome, transitions: statusChange(current, outcome.after, result.scheduledAt, reasonOf(result)) });
    if (usesQuorum(check)) quorumChecks.set(check.id, { check, atMs: Math.max(quorumChecks.get(check.id)?.atMs ?? 0, result.scheduledAt) });
  }
  for (const { check, atMs } of quorumChecks.values()) {
    const subject = checkInRegion(check.id, ALL_REGIONS);
    const current = states.get(subject) ?? INITIAL_STATE;
    const outcome = applyQuorum(current, check, states, atMs, context);
    if (!outcome) continue;
    states.set(subject, outcome.after);
    record(changes, stored, { subject, region: ALL_REGIONS, check, ...outcome, transitions: statusChange(current, outcome.after, atMs, quorumReason(check, states)) });
  }
  return { changes: [...changes.values()], points };
}

/** The status change from `before` to `after`, if the status people see changed. */
export function statusChange(before: StoredState, after: StoredState, atMs: number, reason: string): StateTransition[] {
  const from = shownStatus(before);
  const to = shownStatus(after);
  return from === to ? [] : [{ atMs, from, to, reason }];
}

/** Merges a subject's change into the batch's: the first `before`, the last `after`, every event and status change. */
function record(changes: Map<string, Change>, stored: Map<string, StoredState>, change: Omit<Change, 'before'>): void {
  const earlier = changes.get(change.subject);
  changes.set(change.subject, {
    ...change,
    before: earlier?.before ?? stored.get(change.subject) ?? INITIAL_STATE,
    raised: [...(earlier?.raised ?? []), ...change.raised],
    transitions: [...(earlier?.transitions ?? []), ...change.transitions],
  });
}

interface Outcome {
  after: StoredState;
  raised: RaisedAlert[];
}

/** One result applied to its subject's state; undefined when it is a duplicate or older than the state. */
function applyOne(current: StoredState, result: ProbeResult, check: CheckConfig, context: EvaluationContext): Outcome | undefined {
  const raised: RaisedAlert[] = [];
  let state = current;
  const stale = staleAlerts(state, check, result.region);
  if (stale.length > 0) {
    for (const alert of stale) raised.push({ event: retiredEventFor(alert, 'relabelled', result.scheduledAt), rule: ruleOfAlert(alert), notify: true });
    state = { ...INITIAL_STATE, lastTick: state.lastTick };
  }
  const machine = step(state, { ok: result.ok, scheduledAt: result.scheduledAt, ...(result.message === undefined ? {} : { message: result.message }) }, check);
  if (machine.ignored) return stale.length > 0 ? { after: state, raised } : undefined;

  const { noData } = state;
  let after: StoredState = { ...machine.state, ...carried(state) };
  if (noData) raised.push({ event: eventOf(noData, 'resolved', { summary: summaryOf(NO_DATA, check.id), description: 'results arrive again' }, result.scheduledAt), rule: NO_DATA_RULE, notify: true });

  const down = usesQuorum(check) ? leaveToQuorum(state.firing, result.scheduledAt) : stepDownAlert({
    ...(state.firing ? { firing: state.firing } : {}),
    ...(state.flapping ? { flapping: state.flapping } : {}),
    ...(machine.transition ? { transition: machine.transition } : {}),
    isDown: after.status === 'down',
    failingSince: after.failingSince ?? result.scheduledAt,
    atMs: result.scheduledAt,
    identity: () => alertIdentityOf(check, result.region, 0),
    annotations: (firing) => checkAnnotations(check, summaryOf(CHECK_DOWN, check.id), firing ? after.lastMessage : state.lastMessage ?? after.lastMessage),
    ...(after.status === 'down' && after.lastMessage !== undefined ? { value: after.lastMessage } : {}),
    ...(check.flapping ? { rule: check.flapping } : {}),
  });
  after = withDown(after, down);
  raised.push(...down.raised);

  const rules = applyMeasuredRules(after, readingOf(result), check, result.region);
  const { ruleAlerts: _ruleAlerts, memory: _memory, ...rest } = after;
  after = { ...rest, ...(rules.ruleAlerts ? { ruleAlerts: rules.ruleAlerts } : {}), ...(rules.memory ? { memory: rules.memory } : {}) };
  raised.push(...rules.raised);
  return { after: withMaintenance(after, check, context), raised };
}

/** What a state keeps across a state machine step besides the machine's own fields (CheckDown's are set after). */
function carried(state: StoredState): Pick<StoredState, 'ruleAlerts' | 'memory' | 'sinceMs'> {
  return {
    ...(state.ruleAlerts ? { ruleAlerts: state.ruleAlerts } : {}),
    ...(state.memory ? { memory: state.memory } : {}),
    ...(state.sinceMs === undefined ? {} : { sinceMs: state.sinceMs }),
  };
}

/** A region of a quorum check raises no CheckDown of its own; one it raised before quorum was set resolves. */
function leaveToQuorum(firing: FiringAlert | undefined, atMs: number): DownAlertStep {
  return { raised: firing ? [{ event: retiredEventFor(firing, 'relabelled', atMs), rule: DOWN_RULE, notify: true }] : [] };
}

function withDown(state: StoredState, down: DownAlertStep): StoredState {
  const { firing: _firing, flapping: _flapping, ...rest } = state;
  return { ...rest, ...(down.firing ? { firing: down.firing } : {}), ...(down.flapping ? { flapping: down.flapping } : {}) };
}

function withMaintenance(state: StoredState, check: CheckConfig, context: EvaluationContext): StoredState {
  const { maintenance: _maintenance, ...rest } = state;
  return context.maintenance?.has(check.id) ? { ...rest, maintenance: true } : rest;
}

/** The quorum subject after its regions' states changed; undefined when nothing about it changed. */
function applyQuorum(current: StoredState, check: CheckConfig, states: Map<string, StoredState>, atMs: number, context: EvaluationContext): Outcome | undefined {
  const statuses: Record<string, CheckStatus> = {};
  for (const region of check.regions) {
    const regionState: StoredState = states.get(checkInRegion(check.id, region)) ?? INITIAL_STATE;
    // A silent region counts as neither up nor down (NoData reports it), whatever it last said.
    statuses[region] = regionState.noData ? 'unknown' : regionState.status;
  }
  const verdict = evaluateQuorum(statuses, check.quorum!);
  const status: CheckStatus = verdict.down ? 'down' : verdict.reportingRegions > 0 ? 'up' : 'unknown';
  const wasDown = current.status === 'down';
  const failingSince = verdict.down ? (wasDown ? current.failingSince ?? atMs : atMs) : undefined;
  const transition: Transition | undefined = verdict.down && !wasDown ? { kind: 'down', startsAt: atMs }
    : !verdict.down && wasDown ? { kind: 'recovered', startsAt: current.failingSince ?? atMs, endsAt: atMs } : undefined;
  const regionsText = verdict.failingRegions.join(', ');
  const description = `down in ${regionsText || 'no region'} (${verdict.failingRegions.length} of ${check.regions.length} regions; quorum ${check.quorum})`;
  const down = stepDownAlert({
    ...(current.firing ? { firing: current.firing } : {}),
    ...(current.flapping ? { flapping: current.flapping } : {}),
    ...(transition ? { transition } : {}),
    isDown: verdict.down,
    failingSince: failingSince ?? atMs,
    atMs,
    identity: () => alertIdentityOf(check, ALL_REGIONS, 0),
    annotations: (firing) => ({ ...checkAnnotations(check, summaryOf(CHECK_DOWN, check.id), firing ? description : `up again in enough regions (quorum ${check.quorum})`), failing_regions: regionsText }),
    ...(verdict.down ? { value: regionsText } : {}),
    ...(check.flapping ? { rule: check.flapping } : {}),
  });
  const after = withMaintenance(withDown({
    ...INITIAL_STATE,
    status,
    lastTick: Math.max(current.lastTick, atMs),
    ...(failingSince === undefined ? {} : { failingSince }),
    ...(verdict.failingRegions.length > 0 ? { failingRegions: verdict.failingRegions } : {}),
  }, down), check, context);
  const same = JSON.stringify(after) === JSON.stringify(current) && down.raised.every((raised) => !raised.notify);
  return same ? undefined : { after, raised: down.raised };
}

function quorumReason(check: CheckConfig, states: Map<string, StoredState>): string {
  const down = check.regions.filter((region) => states.get(checkInRegion(check.id, region))?.status === 'down');
  return `down in ${down.length} of ${check.regions.length} regions${down.length > 0 ? ` (${down.join(', ')})` : ''}; quorum ${check.quorum}`;
}

/** The store's name for the rule behind one of a subject's alerts, from its alertname. */
export function ruleOfAlert(alert: Pick<FiringAlert, 'labels'>): string {
  const alertname = alert.labels.alertname;
  if (alertname === CHECK_DOWN) return DOWN_RULE;
  if (alertname === NO_DATA) return NO_DATA_RULE;
  return MEASURED_RULES.find((rule) => rule.alertname === alertname)?.name ?? 'unknown';
}

/** Alerts the state fired under labels the check no longer has (its labels, regions or id changed). */
export function staleAlerts(state: StoredState, check: CheckConfig, region: string): FiringAlert[] {
  return firingAlertsOf(state).filter((alert) => alert.fingerprint !== alertIdentityOf(check, region, 0, alert.labels.alertname).fingerprint);
}
