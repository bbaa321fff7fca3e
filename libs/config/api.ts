import { z } from 'zod';
import { id, show } from './fields.js';

/**
 * The api service's access: bearer tokens, each read-only or admin, and whether reads need a
 * token at all (publicRead, for a status page). Tokens come from the environment
 * (`token: "${API_ADMIN_TOKEN}"`), so they never sit in the file or in Redis (services
 * re-parse the published text with their own environment).
 */
/** ingest: may only push results (POST /events), for agents that should not read or change anything. */
export const API_SCOPES = ['read', 'admin', 'ingest'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/** A guessable token is no protection: 128 bits is what a random UUID or `openssl rand -hex 16` gives. */
export const MIN_TOKEN_BITS = 128;

/** Bits a token spells: 4 per hex digit, else 6 per base64 / base64url character; undefined for other text. */
export function tokenBits(token: string): number | undefined {
  if (/^[0-9a-fA-F]+$/.test(token)) return token.length * 4;
  const unpadded = token.replace(/=+$/, '');
  return /^[A-Za-z0-9_\-+/]+$/.test(unpadded) ? unpadded.length * 6 : undefined;
}

/** Never shows the token itself: a rejected one may still be a real secret with a typo. */
const token = z.string().superRefine((value, ctx) => {
  const bits = tokenBits(value);
  if (bits === undefined) {
    ctx.addIssue({ code: 'custom', message: 'expected a token of hex or base64url characters, like the output of `openssl rand -hex 32`' });
  } else if (bits < MIN_TOKEN_BITS) {
    ctx.addIssue({ code: 'custom', message: `expected a token of at least ${MIN_TOKEN_BITS} bits (32 hex or 22 base64url characters), got ${value.length} characters (${bits} bits); generate one with \`openssl rand -hex 32\`` });
  }
});

export const apiToken = z.strictObject({
  /** Names the token in logs and errors; the token itself is never logged or returned. */
  id,
  token,
  scope: z.enum(API_SCOPES, { error: (issue) => `expected a scope of "read", "admin" or "ingest", got ${show(issue.input)}` }),
});

export const apiSection = z.strictObject({
  tokens: z.array(apiToken).default(() => []),
  /** GETs need no token; writes still need an admin token. */
  publicRead: z.boolean().default(false),
}).superRefine((api, ctx) => {
  const seenIds = new Set<string>();
  const seenTokens = new Set<string>();
  api.tokens.forEach((entry, index) => {
    if (seenIds.has(entry.id)) ctx.addIssue({ code: 'custom', path: ['tokens', index, 'id'], message: `token id ${show(entry.id)} is used twice` });
    // One secret with two scopes would make its scope depend on the order of the list.
    if (seenTokens.has(entry.token)) ctx.addIssue({ code: 'custom', path: ['tokens', index, 'token'], message: `the same token is given twice (token "${entry.id}")` });
    seenIds.add(entry.id);
    seenTokens.add(entry.token);
  });
});

export type ApiConfig = z.output<typeof apiSection>;
export type ApiTokenConfig = z.output<typeof apiToken>;
