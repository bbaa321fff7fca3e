import type { HttpExpect } from '../config/index.js';

/** Pure checks of an HTTP response against `expect`; each returns the failure message or undefined. */

export function statusMatches(statusCode: number, accepted: HttpExpect['status']): boolean {
  return accepted.some((entry) => typeof entry === 'number' ? entry === statusCode : String(statusCode)[0] === entry[0]);
}

export function describeStatuses(accepted: HttpExpect['status']): string {
  return accepted.map(String).join(', ');
}

export function needsBody(expect: HttpExpect): boolean {
  return expect.bodyContains !== undefined || expect.bodyMatches !== undefined || expect.json !== undefined;
}

/** Resolves "$.a.b[0]" against a parsed JSON document; undefined when any step is missing. */
export function jsonPathValue(document: unknown, path: string): unknown {
  let current: unknown = document;
  for (const match of path.slice(1).matchAll(/\.([^.[\]]+)|\[(\d+)\]/g)) {
    if (current === null || typeof current !== 'object') return undefined;
    const key = match[2] !== undefined ? Number(match[2]) : match[1]!;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

function shortValue(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function bodyAssertionFailure(body: string, expect: HttpExpect, truncated: boolean): string | undefined {
  if (expect.bodyContains !== undefined && !body.includes(expect.bodyContains)) {
    return `body does not contain ${JSON.stringify(expect.bodyContains)}${truncated ? ' (in the first bytes read)' : ''}`;
  }
  if (expect.bodyMatches !== undefined && !new RegExp(expect.bodyMatches).test(body)) {
    return `body does not match /${expect.bodyMatches}/${truncated ? ' (in the first bytes read)' : ''}`;
  }
  if (expect.json !== undefined) {
    let document: unknown;
    try {
      document = JSON.parse(body);
    } catch {
      return truncated ? 'body is larger than the read limit, cannot check json' : 'body is not valid JSON';
    }
    for (const [path, expected] of Object.entries(expect.json)) {
      const actual = jsonPathValue(document, path);
      const equal = actual === expected || (actual !== null && typeof actual !== 'object' && expected !== null && String(actual) === String(expected));
      if (!equal) return `json ${path}: expected ${shortValue(expected)}, got ${shortValue(actual)}`;
    }
  }
  return undefined;
}
