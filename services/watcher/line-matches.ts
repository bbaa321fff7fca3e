import { patternFound } from '../../libs/probes/patterns.js';

/*
 * The sliding match window (threshold: { count, within }) lives in libs/watch/match-window.ts:
 * the evaluator keeps it per followed file and raises LogPatternMatched from it.
 */

/**
 * The lines the pattern matches. Patterns run with RE2 in linear time and were validated
 * with the same engine by the configuration schema, so none fails to compile here.
 */
export function matchLines(lines: readonly string[], pattern: string): string[] {
  return lines.filter((line) => patternFound(pattern, line));
}
