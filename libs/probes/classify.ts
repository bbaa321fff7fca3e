import type { ErrorClass } from '../queues/index.js';

/**
 * A failure a probe raises itself, already classified (a certificate that is not trusted,
 * a connect phase that ran out of time). classifyError honours its class.
 */
export class ProbeError extends Error {
  override readonly name = 'ProbeError';

  constructor(readonly errorClass: ErrorClass, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

const BY_CODE: Record<string, ErrorClass> = {
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  ETIMEDOUT: 'timeout',
  ETIMEOUT: 'timeout',
  ABORT_ERR: 'timeout',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_FAIL: 'dns',
  EAI_NONAME: 'dns',
  ENODATA: 'dns',
  ESERVFAIL: 'dns',
  ENOTIMP: 'dns',
  EREFUSED: 'dns',
  EFORMERR: 'dns',
  EBADRESP: 'dns',
  ECONNREFUSED: 'refused',
  EHOSTUNREACH: 'refused',
  ENETUNREACH: 'refused',
  EADDRNOTAVAIL: 'refused',
  ECONNRESET: 'reset',
  ECONNABORTED: 'reset',
  EPIPE: 'reset',
  UND_ERR_SOCKET: 'reset',
  UND_ERR_CLOSED: 'reset',
  HPE_INVALID_CONSTANT: 'protocol',
  HPE_INVALID_VERSION: 'protocol',
  UND_ERR_INFO: 'protocol',
  UND_ERR_HEADERS_OVERFLOW: 'protocol',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'protocol',
  EPROTO: 'protocol',
};

type ErrorLike = { code?: string; name?: string; message?: string; errorClass?: ErrorClass; cause?: unknown };

/**
 * Maps a network error to the small set of classes alerts can explain ("timeout",
 * "refused", ...). undici wraps the socket error in `cause`, so both are looked at.
 */
export function classifyError(err: unknown): { errorClass: ErrorClass; message: string } {
  const chain: ErrorLike[] = [];
  let current = err as ErrorLike | undefined;
  for (let depth = 0; current && typeof current === 'object' && depth < 4; depth++) {
    chain.push(current);
    current = current.cause as ErrorLike | undefined;
  }
  // A ProbeError's message already says what went wrong; the errors it wraps are detail.
  const own = chain.findIndex((e) => e instanceof ProbeError);
  const told = own >= 0 ? chain.slice(0, own + 1) : chain;
  const message = [...new Set(told.map((e) => e.message).filter(Boolean))].join(': ') || String(err);
  for (const e of chain) {
    if (e instanceof ProbeError) return { errorClass: e.errorClass, message };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return { errorClass: 'timeout', message };
    const code = e.code ?? '';
    const known = BY_CODE[code];
    if (known) return { errorClass: known, message };
    if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || code.includes('CERT') || code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE') {
      return { errorClass: 'tls', message };
    }
    if (code.startsWith('HPE_')) return { errorClass: 'protocol', message };
  }
  return { errorClass: 'other', message };
}
