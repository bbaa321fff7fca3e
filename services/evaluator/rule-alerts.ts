/**
 * Turns the verdicts of the rules on measured values into alert events, the same way for every
 * rule: a firing verdict with no alert fires one; a changed severity updates the alert in place
 * (same fingerprint and start); a quiet verdict resolves it; no verdict leaves it as it is. Pure.
 */
import type { CheckConfig } from '../../libs/config/index.js';
import type { AlertEvent } from '../../libs/queues/index.js';
import { alertIdentityOf, checkAnnotations, eventOf, summaryOf, type FiringAlert } from './alert-events.js';
import { anomalyAlertRule } from './rules/anomaly.js';
import { certificateAlertRule } from './rules/certificate.js';
import { latencyAlertRule } from './rules/latency.js';
import type { MeasuredRule, MeasuredRuleName, Reading, RuleVerdict } from './rules/measured-rule.js';
import { trendAlertRule } from './rules/trend.js';
import type { StoredState } from './stored-state.js';

/** Every rule on measured values; a new one is a module in rules/ and an entry here. */
export const MEASURED_RULES: ReadonlyArray<MeasuredRule<unknown, unknown>> = [
  latencyAlertRule,
  certificateAlertRule,
  anomalyAlertRule,
  trendAlertRule,
] as ReadonlyArray<MeasuredRule<unknown, unknown>>;

/** An alert event with what the alert store records beside it. */
export interface RaisedAlert {
  event: AlertEvent;
  /** The rule that raised it, as the store names it ("down", "latency", ...). */
  rule: string;
  value?: string;
  /** False for a refresh of a firing alert's value: stored, not notified. */
  notify: boolean;
}

type RuleState = Pick<StoredState, 'ruleAlerts' | 'memory'>;

export function applyMeasuredRules(state: RuleState, reading: Reading, check: CheckConfig, region: string): RuleState & { raised: RaisedAlert[] } {
  // Most checks use none of these rules: nothing to copy on every result.
  if (state.ruleAlerts === undefined && state.memory === undefined && MEASURED_RULES.every((rule) => rule.configOf(check) === undefined)) return { raised: [] };
  const ruleAlerts: Partial<Record<MeasuredRuleName, FiringAlert>> = { ...state.ruleAlerts };
  const memory: Partial<Record<MeasuredRuleName, unknown>> = { ...state.memory };
  const raised: RaisedAlert[] = [];
  for (const rule of MEASURED_RULES) {
    const config = rule.configOf(check);
    if (config === undefined) {
      // A rule taken out of the configuration forgets its samples; its alert is resolved by reconcile.
      delete memory[rule.name];
      continue;
    }
    const observed = rule.observe(memory[rule.name], reading, config);
    if (observed.memory === undefined) delete memory[rule.name];
    else memory[rule.name] = observed.memory;
    if (observed.verdict === undefined) continue;
    const step = alertStep(ruleAlerts[rule.name], observed.verdict, rule, check, region, reading.atMs);
    if (step.firing === undefined) delete ruleAlerts[rule.name];
    else ruleAlerts[rule.name] = step.firing;
    if (step.raised) raised.push(step.raised);
  }
  return { ...(Object.keys(ruleAlerts).length > 0 ? { ruleAlerts } : {}), ...(Object.keys(memory).length > 0 ? { memory } : {}), raised };
}

function alertStep(
  firing: FiringAlert | undefined,
  verdict: RuleVerdict,
  rule: MeasuredRule<unknown, unknown>,
  check: CheckConfig,
  region: string,
  atMs: number,
): { firing?: FiringAlert; raised?: RaisedAlert } {
  const annotations = { ...checkAnnotations(check, summaryOf(rule.alertname, check.id), verdict.description), value: verdict.value };
  const raise = (identity: FiringAlert, status: AlertEvent['status'], notify: boolean): RaisedAlert => ({
    event: eventOf(identity, status, annotations, atMs),
    rule: rule.name,
    value: verdict.value,
    notify,
  });
  if (!verdict.firing) return firing ? { raised: raise(firing, 'resolved', true) } : {};
  if (!firing) {
    const identity = alertIdentityOf(check, region, atMs, rule.alertname, verdict.severity);
    return { firing: identity, raised: raise(identity, 'firing', true) };
  }
  if (firing.labels.severity !== verdict.severity && verdict.severity !== undefined) {
    const updated: FiringAlert = { ...firing, labels: { ...firing.labels, severity: verdict.severity } };
    return { firing: updated, raised: raise(updated, 'firing', true) };
  }
  return { firing, raised: raise(firing, 'firing', false) };
}
