/** zod's issues, told in the configuration's words: a path, what was expected, what was found. */
import { z } from 'zod';
import { formatPath, type ConfigProblem } from './errors.js';
import { show } from './fields.js';
import { closestKey, knownKeys } from './known-keys.js';

type Issue = z.core.$ZodIssue & { input?: unknown };

/** The problems one zod issue stands for; `data` is the input, to list the keys a mapping accepts. */
export function describeIssue(schema: z.ZodType, issue: Issue, data: unknown): ConfigProblem[] {
  const path = formatPath(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeys(schema, issue.path, data);
      return issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: unknownKeyMessage(key, known) }));
    }
    case 'invalid_type':
      if (issue.input === undefined) return [{ path, message: `is required (expected ${article(issue.expected)})` }];
      return [{ path, message: `expected ${article(issue.expected)}, got ${show(issue.input)}` }];
    case 'invalid_value':
      return [{ path, message: `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${show(issue.input)}` }];
    case 'invalid_union':
      if ('discriminator' in issue && typeof issue.discriminator === 'string') {
        const given = issue.input !== null && typeof issue.input === 'object' ? (issue.input as Record<string, unknown>)[issue.discriminator] : issue.input;
        return [{ path, message: `${issue.message}, got ${show(given)}` }];
      }
      return describeUnionBranch(schema, issue, data) ?? [{ path, message: describeUnion(issue) }];
    case 'invalid_key':
      return [{ path, message: issue.issues[0]?.message ?? issue.message }];
    case 'too_small':
      if (issue.origin === 'array') return [{ path, message: `expected at least ${issue.minimum} ${issue.minimum === 1 ? 'entry' : 'entries'}` }];
      if (issue.origin === 'string') return [{ path, message: 'expected a non-empty string' }];
      return [{ path, message: `expected ${issue.origin === 'int' ? 'a whole number' : 'a number'} ${issue.inclusive === false ? 'above' : 'of at least'} ${issue.minimum}, got ${show(issue.input)}` }];
    case 'too_big':
      return [{ path, message: `expected a number of at most ${issue.maximum}, got ${show(issue.input)}` }];
    default:
      return [{ path, message: issue.message }];
  }
}

/** Names the key a typo was probably meant to be, or else every key that fits there. */
function unknownKeyMessage(key: string, known: string[]): string {
  const guess = closestKey(key, known);
  if (guess !== undefined) return `unknown key, did you mean "${guess}"?`;
  return known.length > 0 ? `unknown key, expected one of: ${known.join(', ')}` : 'unknown key';
}

function article(expected: string): string {
  const names: Record<string, string> = {
    string: 'a string', number: 'a number', int: 'a whole number', boolean: 'true or false',
    object: 'a mapping', array: 'a list', record: 'a mapping', null: 'null',
  };
  return names[expected] ?? expected;
}

/**
 * A union whose input had the right type for exactly one branch (a mapping where a boolean or
 * a mapping is allowed, like a TCP check's `tls`) fails with that branch's own problems.
 */
function describeUnionBranch(schema: z.ZodType, issue: Extract<Issue, { code: 'invalid_union' }>, data: unknown): ConfigProblem[] | undefined {
  const typed = issue.errors.filter((branch) => !(branch.length === 1 && branch[0]?.code === 'invalid_type' && branch[0].path.length === 0));
  if (typed.length !== 1) return undefined;
  return typed[0]!.flatMap((inner) => describeIssue(schema, { ...inner, path: [...issue.path, ...inner.path] } as Issue, data));
}

/** A union of scalar types (label values, JSON expectations) fails as "expected a string, a number or true or false". */
function describeUnion(issue: Extract<Issue, { code: 'invalid_union' }>): string {
  const expected = issue.errors.map((branch) => {
    const only = branch.length === 1 ? branch[0] : undefined;
    return only?.code === 'invalid_type' && only.path.length === 0 ? article(only.expected) : undefined;
  });
  if (expected.length === 0 || expected.some((name) => name === undefined)) return issue.message;
  const names = expected as string[];
  const list = names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} or ${names.at(-1)!}`;
  return `expected ${list}, got ${show(issue.input)}`;
}
