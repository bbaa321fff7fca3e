import { generate } from 'selfsigned';

/** A key and certificate in PEM, made for one test run (no openssl CLI needed). */
export interface TestCertificate {
  key: string;
  cert: string;
}

export interface CertificateOptions {
  /** The certificate's CN and DNS names; default "localhost". */
  names?: string[];
  /** IP addresses it is valid for; default 127.0.0.1. */
  ips?: string[];
  notBefore?: Date;
  notAfter?: Date;
  /** Signed by this CA; self-signed otherwise. */
  issuer?: TestCertificate;
  /** A CA certificate (can sign others). */
  isCa?: boolean;
}

const DAY_MS = 86_400_000;

export function daysFromNow(days: number): Date {
  return new Date(Date.now() + days * DAY_MS);
}

/** EC keys, SHA-256: quick to make, and acceptable to OpenSSL 3 at its default security level. */
export async function makeCertificate(options: CertificateOptions = {}): Promise<TestCertificate> {
  const names = options.names ?? ['localhost'];
  const ips = options.ips ?? ['127.0.0.1'];
  const pems = await generate([{ name: 'commonName', value: names[0] ?? 'test' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: options.notBefore ?? daysFromNow(-1),
    notAfterDate: options.notAfter ?? daysFromNow(90),
    ...(options.issuer ? { ca: { key: options.issuer.key, cert: options.issuer.cert } } : {}),
    extensions: options.isCa
      ? [
          { name: 'basicConstraints', cA: true, critical: true },
          { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
        ]
      : [
          { name: 'basicConstraints', cA: false, critical: true },
          { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
          { name: 'extKeyUsage', serverAuth: true },
          { name: 'subjectAltName', altNames: [...names.map((value) => ({ type: 2 as const, value })), ...ips.map((ip) => ({ type: 7 as const, ip }))] },
        ],
  });
  return { key: pems.private, cert: pems.cert };
}

/** A private CA and a server certificate it signed (for names, valid from yesterday for `days`). */
export async function makeCaAndServer(options: Omit<CertificateOptions, 'issuer' | 'isCa'> = {}): Promise<{ ca: TestCertificate; server: TestCertificate }> {
  const ca = await makeCertificate({ names: ['Vigil Test CA'], ips: [], isCa: true, notAfter: daysFromNow(365) });
  const server = await makeCertificate({ ...options, issuer: ca });
  return { ca, server };
}
