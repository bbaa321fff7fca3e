import { matchesAll, parseMatcher } from '../../libs/alerts/matchers.js';
import type { Config, InhibitRule } from '../../libs/config/index.js';

/** A firing alert that may inhibit others. */
export interface SourceAlert {
  fingerprint: string;
  labels: Record<string, string>;
}

/**
 * The inhibit rules of a configuration: its `inhibitRules`, plus one per `dependsOn` entry of a
 * check: while the dependency's CheckDown fires, the dependent check's alerts are held.
 */
export function inhibitRulesOf(config: Pick<Config, 'inhibitRules' | 'checks'>): InhibitRule[] {
  const fromDependencies = config.checks.flatMap((check) => (check.dependsOn ?? []).map((dependency): InhibitRule => ({
    source: [parseMatcher(`check=${JSON.stringify(dependency)}`), parseMatcher('alertname="CheckDown"')],
    target: [parseMatcher(`check=${JSON.stringify(check.id)}`)],
    equal: [],
  })));
  return [...config.inhibitRules, ...fromDependencies];
}

/**
 * The source alert holding `target` back, if any (Alertmanager's rules): a firing source that
 * matches a rule's source matchers, has the target's values for every `equal` label (a label
 * both lack counts as equal), and is not the target itself.
 */
export function inhibitingSource(rules: readonly InhibitRule[], target: SourceAlert, sources: readonly SourceAlert[]): SourceAlert | undefined {
  for (const rule of rules) {
    if (!matchesAll(rule.target, target.labels)) continue;
    const source = sources.find((candidate) => candidate.fingerprint !== target.fingerprint
      && matchesAll(rule.source, candidate.labels)
      && rule.equal.every((name) => (candidate.labels[name] ?? '') === (target.labels[name] ?? '')));
    if (source !== undefined) return source;
  }
  return undefined;
}
