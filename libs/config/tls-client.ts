import { X509Certificate } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { serverName } from './fields.js';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** True when `ca` is PEM text rather than the path of a PEM file. */
export function isPemText(ca: string): boolean {
  return ca.includes('-----BEGIN');
}

/**
 * Trusted CA certificates: PEM text (checked here) or the path of a PEM file, which the
 * probe-worker reads at each probe (relative paths are resolved against the configuration
 * file's directory by withCaPath), so a worker host needs the file but the scheduler does not.
 */
const caCertificates = z.string().min(1).superRefine((value, ctx) => {
  if (!isPemText(value)) {
    if (/[\r\n]/.test(value)) ctx.addIssue({ code: 'custom', message: 'expected PEM text ("-----BEGIN CERTIFICATE-----...") or the path of a PEM file' });
    return;
  }
  const blocks = value.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'expected PEM certificates ("-----BEGIN CERTIFICATE-----...-----END CERTIFICATE-----")' });
    return;
  }
  blocks.forEach((block, index) => {
    try {
      new X509Certificate(block);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `certificate ${index + 1} of the PEM text cannot be read (${(err as Error).message})` });
    }
  });
});

/**
 * How a TLS connection is made and verified: an HTTP check's `tls`, a TCP check's `tls`, and
 * the fields of a TLS check itself, so the three cannot drift apart.
 */
export const tlsClientFields = {
  /** SNI and the name the certificate must match, instead of the URL's or check's host. */
  serverName: serverName.optional(),
  /** Verify the chain and the host name (default true); the expiry is reported either way. */
  verify: z.boolean().default(true),
  /** Trusted CA certificates instead of the system store: PEM text, or the absolute path of a PEM file on the probe-worker host. */
  ca: caCertificates.optional(),
};

export const tlsClient = z.strictObject(tlsClientFields);

export type TlsClientConfig = z.output<typeof tlsClient>;

/** The TLS settings of `tls: true`: every default. */
export function defaultTlsClient(): TlsClientConfig {
  return tlsClient.parse({});
}

/** `settings` with a relative CA file path resolved against `baseDir` (the configuration file's directory). */
export function withCaPath<T extends { ca?: string | undefined }>(settings: T, baseDir: string): T {
  const { ca } = settings;
  if (ca === undefined || isPemText(ca) || isAbsolute(ca)) return settings;
  return { ...settings, ca: resolve(baseDir, ca) };
}
