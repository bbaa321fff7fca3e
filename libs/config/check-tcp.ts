import { z } from 'zod';
import { checkSchema, type WithCheckDefaults } from './check-common.js';
import { port } from './fields.js';
import { defaultTlsClient, tlsClient } from './tls-client.js';

/**
 * What a TCP check sends or expects. YAML double-quoted strings already turn \r\n into the
 * characters; elsewhere \r, \n, \t, \0, \\ and \xHH (ASCII) are decoded here.
 */
const wireText = z.string().min(1).transform((text, ctx) => {
  let problem: string | undefined;
  const decoded = text.replace(/\\(x[0-9A-Fa-f]{2}|.|$)/gs, (whole, escape: string) => {
    const simple: Record<string, string> = { r: '\r', n: '\n', t: '\t', '0': '\0', '\\': '\\' };
    if (escape in simple) return simple[escape]!;
    if (escape.startsWith('x') && escape.length === 3) {
      const code = Number.parseInt(escape.slice(1), 16);
      if (code <= 0x7f) return String.fromCharCode(code);
    }
    problem ??= `unsupported escape ${JSON.stringify(whole)} (known: \\r \\n \\t \\0 \\\\ and \\x00 to \\x7f)`;
    return whole;
  });
  if (problem === undefined) return decoded;
  ctx.addIssue({ code: 'custom', message: problem });
  return z.NEVER;
});

export const tcpCheck = checkSchema({
  type: z.literal('tcp'),
  host: z.string().min(1),
  port,
  /** Written once connected (escapes already decoded). */
  send: wireText.optional(),
  /** Must appear in what the server sends back (banner or reply), read up to 64 KiB. */
  expect: wireText.optional(),
  /** `true` speaks TLS with every default; absent or `false`: plain TCP. */
  tls: z.union([z.boolean(), tlsClient])
    .transform((tls) => (tls === true ? defaultTlsClient() : tls === false ? undefined : tls))
    .optional(),
});

export type TcpCheckConfig = WithCheckDefaults<z.output<typeof tcpCheck>>;
