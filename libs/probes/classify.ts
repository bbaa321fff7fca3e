import type { ErrorClass } from '../queues/index.js';

const BY_CODE: Record<string, ErrorClass> = {
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  ETIMEDOUT: 'timeout',
  ETIMEOUT: 'timeout',
  ABORT_ERR: 'timeout',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  ENODATA: 'dns',
  ESERVFAIL: 'dns',
  ENOTIMP: 'dns',
  EREFUSED: 'dns',
  ECONNREFUSED: 'refused',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  UND_ERR_SOCKET: 'reset',
  UND_ERR_CLOSED: 'reset',
  EHOSTUNREACH: 'refused',
  ENETUNREACH: 'refused',
  HPE_INVALID_CONSTANT: 'protocol',
  HPE_INVALID_VERSION: 'protocol',
  UND_ERR_INFO: 'protocol',
};

/**
 * Maps a network error to the small set of classes alerts can explain ("timeout",
 * "refused", ...). undici wraps the socket error in `cause`, so both are looked at.
 */
export function classifyError(err: unknown): { errorClass: ErrorClass; message: string } {
  const chain: Array<{ code?: string; name?: string; message?: string }> = [];
  let current = err as { code?: string; name?: string; message?: string; cause?: unknown } | undefined;
  for (let depth = 0; current && depth < 4; depth++) {
    chain.push(current);
    current = current.cause as typeof current;
  }
  const message = chain.map((e) => e.message).filter(Boolean).join(': ') || String(err);
  for (const e of chain) {
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return { errorClass: 'timeout', message };
    const code = e.code ?? '';
    const known = BY_CODE[code];
    if (known) return { errorClass: known, message };
    if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || code.includes('CERT') || code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE') {
      return { errorClass: 'tls', message };
    }
    if (code.startsWith('HPE_')) return { errorClass: 'protocol', message };
  }
  return { errorClass: 'other', message };
}
