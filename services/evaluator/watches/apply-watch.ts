/**
 * What a batch of a file agent's observations, or a sweep, does to a watch subject's state,
 * pure: (state, observations, watch, now) → (state, alert events, status changes). The I/O
 * around it is in evaluate-watch.ts.
 */
import { isAcknowledged, type Acknowledgement, type StateTransition } from '../../../libs/alerts/index.js';
import type { WatchConfig } from '../../../libs/config/index.js';
import type { WatchObservation, WatchObservationBatch } from '../../../libs/queues/index.js';
import { eventOf } from '../alert-events.js';
import type { RaisedAlert } from '../rule-alerts.js';
import { factsOf, fileChanged, fileGrowth, fileMissing, fileStale, fileTooLarge, type EventObservation, type StatObservation } from './file-rules.js';
import { logMatched, type LinesObservation } from './log-rule.js';
import { chain, type PathContext, type PathStep } from './path-step.js';
import { retiredWatchEventFor, watchAlertIdentityOf, watchAnnotations, type WatchRuleName } from './watch-alerts.js';
import { EMPTY_WATCH_STATE, pruned, watchAlertsOf, watchStatusOf, type PathState, type WatchState } from './watch-state.js';

export type ProblemObservation = Extract<WatchObservation, { kind: 'problem' }>;

export interface WatchStep {
  /** Undefined: the state goes (its watch was removed). */
  after: WatchState | undefined;
  raised: RaisedAlert[];
  transitions: StateTransition[];
}

export interface WatchBatchStep extends WatchStep {
  after: WatchState;
  /** Paths that could not be watched or read: logged, never alerted. */
  problems: ProblemObservation[];
}

/**
 * Applies a batch in the order the agent saw it. Batches are not ordered by time among
 * themselves (evaluator replicas take them concurrently, and an agent may date an event before
 * observations it sent first), so none is dropped for being older; a batch delivered again is
 * kept out by its id (evaluate-watch.ts), and a change reported again by its changeKey.
 */
export function applyWatchBatch(state: WatchState | undefined, batch: WatchObservationBatch, watch: WatchConfig, nowMs: number): WatchBatchStep {
  const before = state ?? EMPTY_WATCH_STATE;
  const { observations } = batch;
  const byPath = new Map<string, WatchObservation[]>();
  for (const observation of observations) {
    if (observation.kind === 'problem') continue;
    const ofPath = byPath.get(observation.path);
    if (ofPath === undefined) byPath.set(observation.path, [observation]);
    else ofPath.push(observation);
  }
  const paths = { ...before.paths };
  const raised: RaisedAlert[] = [];
  for (const [path, ofPath] of byPath) {
    const step = applyToPath(paths[path] ?? {}, { watch, host: batch.host, path }, ofPath, nowMs);
    setPath(paths, path, step.entry, watch);
    raised.push(...step.raised);
  }
  const after: WatchState = {
    agentStartedAt: Math.max(before.agentStartedAt, batch.agentStartedAt),
    seenUntilMs: observations.reduce((newest, observation) => Math.max(newest, observation.atMs), before.seenUntilMs),
    paths,
  };
  return {
    after, raised, transitions: statusChange(state, after, nowMs, raised),
    problems: observations.filter((observation): observation is ProblemObservation => observation.kind === 'problem'),
  };
}

function applyToPath(entry: PathState, context: PathContext, observations: readonly WatchObservation[], nowMs: number): PathStep {
  const events = observations.filter((observation): observation is EventObservation => observation.kind === 'event');
  const files = observations.filter((observation): observation is EventObservation | StatObservation => observation.kind === 'event' || observation.kind === 'stat');
  const lines = observations.filter((observation): observation is LinesObservation => observation.kind === 'lines');
  const facts = factsOf(files);
  const newestLineMs = Math.max(...lines.map((observation) => observation.atMs));
  return chain(entry, [
    ...events.map((event) => (current: PathState) => fileChanged(current, context, event)),
    ...(facts === undefined ? [] : [
      (current: PathState) => fileMissing(current, context, facts),
      (current: PathState) => fileStale(current, context, facts, nowMs),
      (current: PathState) => fileTooLarge(current, context, facts),
      (current: PathState) => fileGrowth(current, context, facts),
    ]),
    ...(lines.length === 0 ? [] : [(current: PathState) => logMatched(current, context, lines, newestLineMs)]),
  ]);
}

function setPath(paths: Record<string, PathState>, path: string, entry: PathState, watch: WatchConfig): void {
  const kept = pruned(entry, watch);
  if (kept === undefined) delete paths[path];
  else paths[path] = kept;
}

/** Whether a rule is still part of the watch: an alert of a rule taken out resolves. */
export function ruleConfigured(watch: WatchConfig, rule: WatchRuleName): boolean {
  switch (rule) {
    case 'file-change': return watch.on.length > 0;
    case 'file-stale': return watch.maxAgeMs !== undefined;
    case 'file-missing': return watch.mustExist;
    case 'file-size': return watch.maxSizeBytes !== undefined;
    case 'file-trend': return watch.predictWithinMs !== undefined && watch.maxSizeBytes !== undefined;
    case 'log-match': return watch.match !== undefined;
  }
}

/**
 * What time alone, acknowledgements and the configuration do to a watch subject (the sweep):
 * FileChanged resolves once acknowledged or resolveAfter after the last change; staleness is
 * measured against now; log windows slide to now. With `reconcile` (the configuration is
 * compared), a removed watch resolves every alert (`removed`) and its state goes, and an alert
 * whose labels or rule the watch no longer has resolves (`relabelled`, `rule-removed`).
 */
export function sweepWatchState(state: WatchState, watch: WatchConfig | undefined, host: string, nowMs: number, acks: ReadonlyMap<string, Acknowledgement>, options: { reconcile?: boolean } = {}): WatchStep {
  const reconcile = options.reconcile ?? true;
  if (watch === undefined) {
    if (!reconcile) return { after: state, raised: [], transitions: [] };
    return { after: undefined, raised: watchAlertsOf(state).map(({ rule, alert }) => ({ event: retiredWatchEventFor(alert, 'removed', nowMs), rule, notify: true })), transitions: [] };
  }
  const paths = { ...state.paths };
  const raised: RaisedAlert[] = [];
  for (const [path, entry] of Object.entries(state.paths)) {
    const context: PathContext = { watch, host, path };
    const step = chain(entry, [
      (current) => (reconcile ? retired(current, context, nowMs) : { entry: current, raised: [] }),
      (current) => changeSettled(current, context, nowMs, acks),
      (current) => fileStale(current, context, undefined, nowMs),
      (current) => logMatched(current, context, [], nowMs),
    ]);
    setPath(paths, path, step.entry, watch);
    raised.push(...step.raised);
  }
  const after: WatchState = { ...state, paths };
  return { after, raised, transitions: statusChange(state, after, nowMs, raised) };
}

/** Resolves the path's alerts fired under labels or rules the watch no longer has. */
function retired(entry: PathState, context: PathContext, nowMs: number): PathStep {
  const raised: RaisedAlert[] = [];
  const alerts = { ...entry.alerts };
  for (const [name, alert] of Object.entries(entry.alerts ?? {})) {
    const rule = name as WatchRuleName;
    const reason = !ruleConfigured(context.watch, rule) ? 'rule-removed'
      : alert!.fingerprint !== watchAlertIdentityOf(context.watch, context.host, context.path, rule, 0).fingerprint ? 'relabelled' : undefined;
    if (reason === undefined) continue;
    raised.push({ event: retiredWatchEventFor(alert!, reason, nowMs), rule, notify: true });
    delete alerts[rule];
  }
  if (raised.length === 0) return { entry, raised };
  const { alerts: _alerts, ...rest } = entry;
  return { entry: Object.keys(alerts).length > 0 ? { ...rest, alerts } : rest, raised };
}

/** FileChanged ends when someone acknowledged it, or resolveAfter after the last change. */
function changeSettled(entry: PathState, context: PathContext, nowMs: number, acks: ReadonlyMap<string, Acknowledgement>): PathStep {
  const alert = entry.alerts?.['file-change'];
  if (alert === undefined) return { entry, raised: [] };
  const ack = acks.get(alert.fingerprint);
  const acknowledged = isAcknowledged(ack, { fingerprint: alert.fingerprint, startsAt: new Date(alert.startsAt).toISOString() });
  const expired = nowMs - alert.firedAtMs >= context.watch.resolveAfterMs;
  if (!acknowledged && !expired) return { entry, raised: [] };
  const description = acknowledged ? `acknowledged by ${ack!.by}` : 'nobody acknowledged the change within resolveAfter';
  const { 'file-change': _settled, ...others } = entry.alerts!;
  const { alerts: _alerts, ...rest } = entry;
  return {
    entry: Object.keys(others).length > 0 ? { ...rest, alerts: others } : rest,
    raised: [{ event: eventOf(alert, 'resolved', watchAnnotations(alert, description, { resolved_reason: acknowledged ? 'acknowledged' : 'expired' }), nowMs), rule: 'file-change', notify: true }],
  };
}

/** The firing FileChanged alerts of a state: the acknowledgements a sweep needs. */
export function changeAlertFingerprints(state: WatchState): string[] {
  return watchAlertsOf(state).filter(({ rule }) => rule === 'file-change').map(({ alert }) => alert.fingerprint);
}

function statusChange(before: WatchState | undefined, after: WatchState, atMs: number, raised: readonly RaisedAlert[]): StateTransition[] {
  const from = watchStatusOf(before);
  const to = watchStatusOf(after);
  if (from === to) return [];
  const firing = raised.find((alert) => alert.notify && alert.event.status === 'firing');
  const reason = to === 'down' ? firing?.event.annotations.summary ?? 'a watch alert fires' : 'no watch alert firing';
  return [{ atMs, from, to, reason }];
}
