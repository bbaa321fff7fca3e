import { z } from 'zod';
import { re2Problem } from '../config/fields.js';
import { patternFound } from '../probes/patterns.js';

/**
 * Label matchers as Alertmanager writes them: `severity="critical"`, `team!=infra`,
 * `severity=~"critical|page"`, `env!~"dev|test"`. Routes, silences, inhibition and maintenance
 * windows all select alerts with them. As in Alertmanager, a label the alert lacks has the
 * value "" (so `team!=infra` matches an alert without a team), and a regex must match the
 * whole value. Regexes are RE2 (linear time).
 */
export type MatchOperator = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  name: string;
  operator: MatchOperator;
  value: string;
}

export class MatcherSyntaxError extends Error {
  override readonly name = 'MatcherSyntaxError';
  readonly code = 'VIGIL_MATCHER_INVALID';
}

const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/s;

/** One matcher; the value may be "quoted" (JSON string escapes) or bare. */
export function parseMatcher(text: string): LabelMatcher {
  const found = MATCHER.exec(text);
  if (!found) throw new MatcherSyntaxError(`expected a matcher like team="db", severity=~"critical|page" or env!=dev, got ${JSON.stringify(text)}`);
  const [, name, operator, raw] = found as unknown as [string, string, MatchOperator, string];
  const value = unquote(raw, text);
  if (operator === '=~' || operator === '!~') {
    const problem = re2Problem(value);
    if (problem !== undefined) throw new MatcherSyntaxError(`the regular expression in ${JSON.stringify(text)} does not compile (${problem})`);
  }
  return { name, operator, value };
}

/** `{a="1", b=~"x|y"}` or `a=1, b=~"x|y"`: a set of matchers, all of which must match. */
export function parseMatchers(text: string): LabelMatcher[] {
  const trimmed = text.trim();
  const inner = trimmed.startsWith('{') && trimmed.endsWith('}') ? trimmed.slice(1, -1) : trimmed;
  return splitOutsideQuotes(inner).filter((part) => part.trim() !== '').map(parseMatcher);
}

export function matcherMatches(matcher: LabelMatcher, labels: Readonly<Record<string, string>>): boolean {
  const value = labels[matcher.name] ?? '';
  switch (matcher.operator) {
    case '=': return value === matcher.value;
    case '!=': return value !== matcher.value;
    case '=~': return patternFound(anchored(matcher.value), value);
    case '!~': return !patternFound(anchored(matcher.value), value);
  }
}

/** True when every matcher matches; an empty set matches every alert. */
export function matchesAll(matchers: readonly LabelMatcher[], labels: Readonly<Record<string, string>>): boolean {
  return matchers.every((matcher) => matcherMatches(matcher, labels));
}

export function formatMatcher(matcher: LabelMatcher): string {
  return `${matcher.name}${matcher.operator}${JSON.stringify(matcher.value)}`;
}

export function formatMatchers(matchers: readonly LabelMatcher[]): string {
  return `{${matchers.map(formatMatcher).join(', ')}}`;
}

/** `{ team: db }` mappings in the configuration are equality matchers. */
export function equalityMatchers(labels: Readonly<Record<string, string>>): LabelMatcher[] {
  return Object.entries(labels).map(([name, value]) => ({ name, operator: '=', value }));
}

/** A matcher in the configuration, as text: parsed and checked when the file is loaded. */
export const labelMatcherText = z.string().transform((text, ctx): LabelMatcher => {
  try {
    return parseMatcher(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

function anchored(source: string): string {
  return `^(?:${source})$`;
}

function unquote(raw: string, whole: string): string {
  if (!raw.startsWith('"')) {
    if (/[",{}]/.test(raw)) throw new MatcherSyntaxError(`expected the value in ${JSON.stringify(whole)} to be "quoted" (it holds a quote, comma or brace)`);
    return raw;
  }
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value === 'string') return value;
  } catch {
    // reported below
  }
  throw new MatcherSyntaxError(`expected a closed "quoted" value in ${JSON.stringify(whole)}`);
}

/** Splits on commas that are not inside a quoted value. */
function splitOutsideQuotes(text: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (quoted && char === '\\') {
      current += char + (text[index + 1] ?? '');
      index++;
      continue;
    }
    if (char === '"') quoted = !quoted;
    if (char === ',' && !quoted) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  return parts;
}
