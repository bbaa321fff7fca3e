import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiConfig, ApiScope } from '../../libs/config/index.js';

/**
 * Who may call what: pure decisions over the configuration's `api` section. A route needs
 * `public` (anyone: the OpenAPI document), `read` (a read or admin token, or nobody with
 * publicRead), `ingest` (an ingest or admin token) or `admin` (an admin token).
 */
export type Access = 'public' | ApiScope;

/** A configured token as the server keeps it: only its digest, so comparisons are fixed-length and constant-time. */
export interface KnownToken {
  id: string;
  scope: ApiScope;
  digest: Buffer;
}

export type Decision =
  | { allowed: true; tokenId?: string }
  | { allowed: false; status: 401 | 403; code: 'VIGIL_API_UNAUTHORIZED' | 'VIGIL_API_FORBIDDEN'; message: string };

export function knownTokens(api: ApiConfig): KnownToken[] {
  return api.tokens.map((token) => ({ id: token.id, scope: token.scope, digest: digestOf(token.token) }));
}

/**
 * Hashing first makes both sides 32 bytes, so timingSafeEqual never throws on a length
 * mismatch and the time taken says nothing about the token's length or content.
 */
function digestOf(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** The token of an `Authorization: Bearer <token>` header, if it has that form. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** Every known token is compared, matched or not, so the time taken does not tell which one matched. */
export function tokenFor(presented: string, tokens: readonly KnownToken[]): KnownToken | undefined {
  const digest = digestOf(presented);
  let found: KnownToken | undefined;
  for (const token of tokens) {
    if (timingSafeEqual(digest, token.digest) && found === undefined) found = token;
  }
  return found;
}

export function authorize(need: Access, authorization: string | undefined, publicRead: boolean, tokens: readonly KnownToken[]): Decision {
  if (need === 'public' || (need === 'read' && publicRead)) return { allowed: true };
  const presented = bearerToken(authorization);
  if (presented === undefined) {
    return { allowed: false, status: 401, code: 'VIGIL_API_UNAUTHORIZED', message: 'this endpoint needs a bearer token (Authorization: Bearer <token>)' };
  }
  const token = tokenFor(presented, tokens);
  if (token === undefined) return { allowed: false, status: 401, code: 'VIGIL_API_UNAUTHORIZED', message: 'the bearer token is not one of the configured api tokens' };
  if (need === 'admin' && token.scope !== 'admin') {
    return { allowed: false, status: 403, code: 'VIGIL_API_FORBIDDEN', message: `token "${token.id}" is ${token.scope === 'read' ? 'read-only' : 'for ingest only'}; this endpoint needs an admin token` };
  }
  // An agent's token pushes results and nothing else: it reads nothing either.
  if (need === 'read' && token.scope === 'ingest') {
    return { allowed: false, status: 403, code: 'VIGIL_API_FORBIDDEN', message: `token "${token.id}" is for ingest only (POST /api/v1/events); this endpoint needs a read or admin token` };
  }
  if (need === 'ingest' && token.scope === 'read') {
    return { allowed: false, status: 403, code: 'VIGIL_API_FORBIDDEN', message: `token "${token.id}" is read-only; pushing results needs an ingest or admin token` };
  }
  return { allowed: true, tokenId: token.id };
}
