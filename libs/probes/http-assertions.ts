import { formatDuration, type HttpExpect } from '../config/index.js';
import { matcherFailure } from './matchers.js';
import { patternFound } from './patterns.js';

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
    if (!Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** Header names are compared case-insensitively; repeated headers are joined with ", " (RFC 9110). */
export function headerAssertionFailure(headers: ResponseHeaders, expect: HttpExpect): string | undefined {
  if (expect.headers === undefined) return undefined;
  const lower = new Map(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
  for (const [name, matcher] of Object.entries(expect.headers)) {
    const raw = lower.get(name);
    const value = Array.isArray(raw) ? raw.join(', ') : raw;
    const problem = matcherFailure(matcher, value);
    if (problem !== undefined) return `header ${name}: ${problem}`;
  }
  return undefined;
}

export function bodyAssertionFailure(body: string, expect: HttpExpect, truncated: boolean): string | undefined {
  const where = truncated ? ' (in the first bytes read)' : '';
  if (expect.bodyContains !== undefined && !body.includes(expect.bodyContains)) {
    return `body does not contain ${JSON.stringify(expect.bodyContains)}${where}`;
  }
  if (expect.bodyMatches !== undefined && !patternFound(expect.bodyMatches, body)) {
    return `body does not match /${expect.bodyMatches}/${where}`;
  }
  if (expect.json !== undefined) {
    let document: unknown;
    try {
      document = JSON.parse(body);
    } catch {
      return truncated ? 'body is larger than maxBodyBytes, cannot check json' : 'body is not valid JSON';
    }
    for (const [path, matcher] of Object.entries(expect.json)) {
      const problem = matcherFailure(matcher, jsonPathValue(document, path));
      if (problem !== undefined) return `json ${path}: ${problem}`;
    }
  }
  return undefined;
}

/** certExpiresAfter against the days left on the leaf certificate. */
export function certAssertionFailure(certDaysLeft: number | undefined, validTo: string | undefined, expect: { certExpiresAfterMs?: number }): string | undefined {
  if (expect.certExpiresAfterMs === undefined) return undefined;
  const wanted = formatDuration(expect.certExpiresAfterMs);
  if (certDaysLeft === undefined) return `certExpiresAfter ${wanted}: the response did not come over TLS, there is no certificate to check`;
  if (certDaysLeft * 86_400_000 >= expect.certExpiresAfterMs) return undefined;
  const when = validTo === undefined ? '' : ` (${validTo})`;
  const state = certDaysLeft < 0 ? `expired ${-certDaysLeft} days ago` : `expires in ${certDaysLeft} days`;
  return `certificate ${state}${when}, less than certExpiresAfter ${wanted}`;
}
