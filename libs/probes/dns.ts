import { Resolver } from 'node:dns/promises';
import type { DnsCheckConfig, DnsRcode } from '../config/index.js';
import { classifyError } from './classify.js';
import { failure, startClock, success, type Probe } from './types.js';

/**
 * The response code behind each error node's resolver (c-ares) reports for an answer that
 * came back. ENODATA is a NOERROR response without records of the asked type. Any other
 * error (a timeout, a refused connection) means no answer came back at all.
 */
const RCODE_BY_ERROR: Record<string, DnsRcode> = {
  ENODATA: 'NOERROR',
  ENOTFOUND: 'NXDOMAIN',
  ESERVFAIL: 'SERVFAIL',
  EREFUSED: 'REFUSED',
  ENOTIMP: 'NOTIMP',
  EFORMERR: 'FORMERR',
};

/**
 * Resolves one record type and checks the response code (NOERROR unless `rcode` says
 * otherwise, e.g. NXDOMAIN to assert a name is gone) and that every expected answer is present.
 */
export const dnsProbe: Probe<'dns'> = {
  async run(check) {
    const clock = startClock(check.timeoutMs);
    const resolver = new Resolver({ timeout: check.timeoutMs, tries: 1 });
    if (check.server) resolver.setServers([check.server]);
    const query = `${check.recordType} ${check.name}${check.server ? ` at ${check.server}` : ''}`;
    let answers: string[] = [];
    let rcode: DnsRcode = 'NOERROR';
    try {
      answers = await withTimeout(resolveAnswers(resolver, check), check.timeoutMs);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      const answered = RCODE_BY_ERROR[code];
      if (answered === undefined) {
        const { errorClass, message } = classifyError(err);
        return failure(errorClass, `${query}: ${message}`, { totalMs: clock.elapsed() });
      }
      rcode = answered;
    } finally {
      resolver.cancel();
    }
    const timings = { totalMs: clock.elapsed() };
    // A check queued by a scheduler older than `rcode` lacks it.
    const expected: DnsRcode = check.rcode ?? 'NOERROR';
    if (rcode !== expected) {
      const got = rcode === 'NOERROR' && answers.length > 0 ? `NOERROR with ${answers.join(', ')}` : rcode;
      // Not resolving is a DNS failure; resolving where absence was asserted is an assertion failure.
      return failure(expected === 'NOERROR' ? 'dns' : 'assertion', `${query}: expected rcode ${expected}, got ${got}`, timings);
    }
    if (rcode !== 'NOERROR') return success(timings);
    if (answers.length === 0) return failure('dns', `${query}: no ${check.recordType} records (NOERROR without answers)`, timings);
    const missing = check.expect.filter((expected) => !answers.some((answer) => sameAnswer(answer, expected)));
    if (missing.length > 0) return failure('assertion', `${query}: expected answers ${missing.join(', ')}, got ${answers.join(', ')}`, timings);
    return success(timings);
  },
};

/** Names compare without case and without a trailing dot ("Mail.Example.com." is "mail.example.com"). */
function sameAnswer(answer: string, expected: string): boolean {
  const normalize = (text: string) => text.toLowerCase().replace(/\.(?=$|:)/, '');
  return answer === expected || normalize(answer) === normalize(expected);
}

async function resolveAnswers(resolver: Resolver, check: DnsCheckConfig): Promise<string[]> {
  switch (check.recordType) {
    case 'A': return resolver.resolve4(check.name);
    case 'AAAA': return resolver.resolve6(check.name);
    case 'CNAME': return resolver.resolveCname(check.name);
    case 'NS': return resolver.resolveNs(check.name);
    case 'MX': return (await resolver.resolveMx(check.name)).map((mx) => mx.exchange);
    case 'TXT': return (await resolver.resolveTxt(check.name)).map((parts) => parts.join(''));
    case 'SRV': return (await resolver.resolveSrv(check.name)).map((srv) => `${srv.name}:${srv.port}`);
  }
}

function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${timeoutMs}ms`), { code: 'ETIMEOUT' })), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
