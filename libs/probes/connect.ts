import { lookup as dnsLookup, type LookupAddress, type LookupOneOptions, type LookupAllOptions } from 'node:dns';
import { readFile } from 'node:fs/promises';
import { connect as netConnect, isIP, type LookupFunction, type Socket } from 'node:net';
import { checkServerIdentity, connect as tlsConnect, type PeerCertificate, type TLSSocket } from 'node:tls';
import type { TlsClientConfig } from '../config/index.js';
import { classifyError, ProbeError } from './classify.js';
import { roundMs } from './types.js';

const DAY_MS = 86_400_000;

/** What the TLS handshake showed, whether or not the probe then refused the connection. */
export interface TlsFacts {
  /** Days until the leaf certificate's notAfter, two decimals; negative once expired. */
  certDaysLeft?: number;
  /** ISO 8601 notAfter of the leaf certificate. */
  validTo?: string;
  subject?: string;
  issuer?: string;
  /** The chain verified against the trusted CAs. */
  chainTrusted: boolean;
  /** OpenSSL's reason when it did not ("DEPTH_ZERO_SELF_SIGNED_CERT", "CERT_HAS_EXPIRED", ...). */
  chainError?: string;
  /** The name the certificate was checked against, and why it does not match (undefined when it does). */
  identity: string;
  identityError?: string;
}

/**
 * The phases of one connection, filled in as they happen: whatever was measured before a
 * failure is still there for the outcome (a refused certificate still has its days left).
 */
export interface ConnectionRecord {
  dnsMs?: number;
  connectMs?: number;
  tlsMs?: number;
  /** performance.now() when the connection was ready for the first byte of the exchange. */
  readyAt?: number;
  tls?: TlsFacts;
}

/**
 * A check's TLS settings (`verify`: refuse the connection when the chain or the host name
 * does not verify; `serverName`: SNI and the name the certificate must match, the host
 * otherwise) with the CA file read: `ca` here is PEM text, never a path.
 */
export interface TlsTarget extends Omit<TlsClientConfig, 'ca'> {
  /** PEM text of the CAs to trust instead of the system store. */
  ca?: string;
  alpn?: string[];
}

export interface ConnectTarget {
  host: string;
  port: number;
  tls?: TlsTarget;
  /** performance.now() past which the attempt fails with class timeout. */
  deadline: number;
  /** Name resolution; node's dns.lookup (the system resolver, /etc/hosts included) unless a test replaces it. */
  lookup?: typeof dnsLookup;
}

/**
 * Opens one TCP connection (and TLS over it), timing each phase into `record`: name
 * resolution through the socket's own lookup, the TCP handshake, the TLS handshake. Fails
 * with a ProbeError of class timeout naming the phase that ran out of time, or the socket's
 * error; with `tls.verify`, an untrusted chain or a host name mismatch is class tls.
 */
export function openConnection(target: ConnectTarget, record: ConnectionRecord): Promise<Socket | TLSSocket> {
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    let phaseStartedAt = startedAt;
    let phase = isIP(target.host) ? 'TCP connect' : 'DNS lookup';
    let settled = false;
    let socket: Socket | undefined;
    let secure: TLSSocket | undefined;

    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      secure?.destroy();
      socket?.destroy();
      reject(err);
    };
    const succeed = (ready: Socket | TLSSocket) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ready.removeListener('error', fail);
      if (socket !== undefined && socket !== ready) {
        socket.removeListener('error', fail);
        // The TLS socket reports the raw socket's failures from here on.
        socket.on('error', () => undefined);
      }
      record.readyAt = performance.now();
      resolve(ready);
    };
    const timer = setTimeout(() => {
      fail(new ProbeError('timeout', `${phase} to ${target.host}:${target.port} did not finish in time`));
    }, Math.max(0, target.deadline - startedAt));

    const lookup = ((hostname: string, options: LookupOneOptions | LookupAllOptions, callback: (...args: unknown[]) => void) => {
      const lookupStartedAt = performance.now();
      (target.lookup ?? dnsLookup)(hostname, options, (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => {
        const now = performance.now();
        record.dnsMs = roundMs(now - lookupStartedAt);
        phase = 'TCP connect';
        phaseStartedAt = now;
        callback(err, address, family);
      });
    }) as LookupFunction;

    socket = netConnect({ host: target.host, port: target.port, lookup });
    socket.once('error', fail);
    socket.once('connect', () => {
      const now = performance.now();
      record.connectMs = roundMs(now - phaseStartedAt);
      if (!target.tls) {
        succeed(socket!);
        return;
      }
      phase = 'TLS handshake';
      phaseStartedAt = now;
      secure = startTls(socket!, target, target.tls, record, phaseStartedAt, succeed, fail);
    });
  });
}

function startTls(
  socket: Socket,
  target: ConnectTarget,
  options: TlsTarget,
  record: ConnectionRecord,
  startedAt: number,
  succeed: (socket: TLSSocket) => void,
  fail: (err: unknown) => void,
): TLSSocket {
  const identity = options.serverName ?? target.host;
  const secure = tlsConnect({
    socket,
    ...(isIP(identity) ? {} : { servername: identity }),
    ...(options.ca === undefined ? {} : { ca: options.ca }),
    ...(options.alpn === undefined ? {} : { ALPNProtocols: options.alpn }),
    // Verified below, after the certificate's facts are recorded: a refused certificate
    // still reports its days left, and nothing is sent over a connection that failed.
    rejectUnauthorized: false,
    checkServerIdentity: () => undefined,
  });
  secure.once('error', (err) => fail(handshakeError(err, target)));
  secure.once('secureConnect', () => {
    record.tlsMs = roundMs(performance.now() - startedAt);
    const facts = tlsFacts(secure, identity);
    record.tls = facts;
    if (options.verify && !facts.chainTrusted) {
      fail(new ProbeError('tls', `certificate not trusted: ${describeChainError(facts.chainError)}`));
      return;
    }
    if (options.verify && facts.identityError !== undefined) {
      fail(new ProbeError('tls', `certificate does not match ${identity}: ${facts.identityError}`));
      return;
    }
    succeed(secure);
  });
  return secure;
}

/** OpenSSL's errors read "805C...:error:0A00010B:SSL routines:...": its `reason` is the readable part. */
function handshakeError(err: Error, target: ConnectTarget): ProbeError {
  const { errorClass } = classifyError(err);
  const reason = (err as { reason?: string }).reason ?? (err as NodeJS.ErrnoException).code ?? err.message;
  return new ProbeError(errorClass === 'other' ? 'tls' : errorClass, `TLS handshake with ${target.host}:${target.port} failed: ${reason}`, { cause: err });
}

function tlsFacts(secure: TLSSocket, identity: string): TlsFacts {
  // An empty object when the server sent none.
  const cert: Partial<PeerCertificate> = secure.getPeerCertificate();
  const facts: TlsFacts = {
    chainTrusted: secure.authorized,
    ...(secure.authorizationError ? { chainError: String(secure.authorizationError) } : {}),
    identity,
  };
  if (!cert?.valid_to) {
    return { ...facts, identityError: 'the server sent no certificate' };
  }
  const validTo = Date.parse(cert.valid_to);
  if (Number.isFinite(validTo)) {
    facts.certDaysLeft = Math.floor(((validTo - Date.now()) / DAY_MS) * 100) / 100;
    facts.validTo = new Date(validTo).toISOString();
  }
  if (cert.subject?.CN) facts.subject = String(cert.subject.CN);
  if (cert.issuer?.CN) facts.issuer = String(cert.issuer.CN);
  const mismatch = checkServerIdentity(identity, cert as PeerCertificate);
  if (mismatch) facts.identityError = mismatch.message;
  return facts;
}

const CHAIN_ERRORS: Record<string, string> = {
  CERT_HAS_EXPIRED: 'it has expired',
  CERT_NOT_YET_VALID: 'it is not valid yet',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'it is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'its chain ends in a self-signed certificate that is not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its issuer is not trusted (incomplete chain?)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'its issuer is not trusted (incomplete chain?)',
  UNABLE_TO_GET_ISSUER_CERT: 'its issuer is not trusted',
  CERT_REVOKED: 'it is revoked',
};

export function describeChainError(code: string | undefined): string {
  if (code === undefined) return 'unknown reason';
  const reason = CHAIN_ERRORS[code];
  return reason === undefined ? code : `${reason} (${code})`;
}

/** The PEM text of a configured `ca`: inline text as is, a path read now (the file may change). */
export async function loadCa(ca: string | undefined): Promise<string | undefined> {
  if (ca === undefined || ca.includes('-----BEGIN')) return ca;
  try {
    return await readFile(ca, 'utf8');
  } catch (err) {
    throw new ProbeError('other', `cannot read the CA file ${ca} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/**
 * The TLS target of a check's TLS settings (an HTTP or TCP check's `tls`, or a TLS check
 * itself), with the CA file (if any) read. openConnection then verifies as they say.
 */
export async function tlsTarget(tls: TlsClientConfig): Promise<TlsTarget> {
  const ca = await loadCa(tls.ca);
  return { verify: tls.verify, ...(ca === undefined ? {} : { ca }), ...(tls.serverName === undefined ? {} : { serverName: tls.serverName }) };
}

/** Phases summed over the connections of one probe (a redirect opens another). */
export function addPhases(total: { dnsMs?: number; connectMs?: number; tlsMs?: number }, record: ConnectionRecord): void {
  for (const key of ['dnsMs', 'connectMs', 'tlsMs'] as const) {
    const value = record[key];
    if (value !== undefined) total[key] = roundMs((total[key] ?? 0) + value);
  }
}

/**
 * Closes a connection the polite way (TLS close_notify, then FIN), so the server sees a
 * finished session rather than a reset mid-handshake; destroyed if it lingers.
 */
export function closeGracefully(socket: Socket | TLSSocket, lingerMs = 1_000): void {
  socket.on('error', () => undefined);
  if (socket.destroyed) return;
  const timer = setTimeout(() => socket.destroy(), lingerMs);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.end();
}
