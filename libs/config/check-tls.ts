import { z } from 'zod';
import { checkSchema, type WithCheckDefaults } from './check-common.js';
import { duration, inMs, port } from './fields.js';
import { tlsClientFields } from './tls-client.js';

/** A TLS handshake only; its verification settings are those of an HTTP or TCP check's `tls`. */
export const tlsCheck = checkSchema({
  type: z.literal('tls'),
  host: z.string().min(1),
  port,
  ...tlsClientFields,
  expect: inMs(z.strictObject({
    certExpiresAfter: duration.optional(),
  }), ['certExpiresAfter']).prefault({}),
});

export type TlsCheckConfig = WithCheckDefaults<z.output<typeof tlsCheck>>;
