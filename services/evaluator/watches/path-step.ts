/**
 * How a watch rule's verdict on one path becomes alert events, the same way for every rule: a
 * firing verdict with no alert fires one; while it fires, the store's copy is refreshed with no
 * new notification (same fingerprint and start: the notifier would take it for a repeat); a
 * quiet verdict resolves it; no verdict leaves it as it is. Pure.
 */
import { eventOf } from '../alert-events.js';
import type { RaisedAlert } from '../rule-alerts.js';
import { watchAlertIdentityOf, watchAnnotations, type WatchRuleName } from './watch-alerts.js';
import type { PathState, WatchAlert } from './watch-state.js';
import type { WatchConfig } from '../../../libs/config/index.js';

export interface PathContext {
  watch: WatchConfig;
  host: string;
  path: string;
}

export interface PathStep {
  entry: PathState;
  raised: RaisedAlert[];
}

export interface PathVerdict {
  firing: boolean;
  /** The observation's time: a firing alert's start, a resolved one's end. */
  atMs: number;
  description: string;
  /** Annotations beside summary and description. */
  details?: Record<string, string>;
  /** What the store shows as the alert's value. */
  value?: string;
  /** False: a firing alert is not refreshed (a sweep found nothing new). Default true. */
  refresh?: boolean;
  changeKey?: string;
}

export function withAlert(entry: PathState, rule: WatchRuleName, alert: WatchAlert | undefined): PathState {
  const { [rule]: _old, ...others } = entry.alerts ?? {};
  const alerts = alert === undefined ? others : { ...others, [rule]: alert };
  const { alerts: _alerts, ...rest } = entry;
  return Object.keys(alerts).length > 0 ? { ...rest, alerts } : rest;
}

function raise(alert: WatchAlert, rule: WatchRuleName, status: 'firing' | 'resolved', verdict: PathVerdict, notify: boolean): RaisedAlert {
  return {
    event: eventOf(alert, status, watchAnnotations(alert, verdict.description, verdict.details), verdict.atMs),
    rule,
    ...(verdict.value === undefined || status === 'resolved' ? {} : { value: verdict.value }),
    notify,
  };
}

/** Brings the path's alert of `rule` in line with the verdict. */
export function stepAlert(entry: PathState, context: PathContext, rule: WatchRuleName, verdict: PathVerdict | undefined): PathStep {
  if (verdict === undefined) return { entry, raised: [] };
  const alert = entry.alerts?.[rule];
  const changeKey = verdict.changeKey === undefined ? {} : { changeKey: verdict.changeKey };
  if (verdict.firing && alert === undefined) {
    const fired: WatchAlert = { ...watchAlertIdentityOf(context.watch, context.host, context.path, rule, verdict.atMs), firedAtMs: verdict.atMs, ...changeKey };
    return { entry: withAlert(entry, rule, fired), raised: [raise(fired, rule, 'firing', verdict, true)] };
  }
  if (verdict.firing && alert !== undefined) {
    if (verdict.refresh === false) return { entry, raised: [] };
    const refreshed: WatchAlert = { ...alert, firedAtMs: Math.max(alert.firedAtMs, verdict.atMs), ...changeKey };
    return { entry: withAlert(entry, rule, refreshed), raised: [raise(refreshed, rule, 'firing', verdict, false)] };
  }
  if (alert === undefined) return { entry, raised: [] };
  return { entry: withAlert(entry, rule, undefined), raised: [raise(alert, rule, 'resolved', verdict, true)] };
}

/** Runs rule steps one after another on the path's entry, collecting what they raise. */
export function chain(entry: PathState, steps: ReadonlyArray<(entry: PathState) => PathStep>): PathStep {
  const raised: RaisedAlert[] = [];
  let current = entry;
  for (const step of steps) {
    const next = step(current);
    current = next.entry;
    raised.push(...next.raised);
  }
  return { entry: current, raised };
}
