import { Resolver } from 'node:dns/promises';
import type { DnsCheckConfig } from '../config/index.js';
import { classifyError } from './classify.js';
import { failure, type Probe } from './types.js';

/** Resolves one record type and checks that every expected answer is present. */
export const dnsProbe: Probe<'dns'> = {
  async run(check) {
    const startedAt = performance.now();
    const elapsed = () => Math.round(performance.now() - startedAt);
    const resolver = new Resolver({ timeout: check.timeoutMs, tries: 1 });
    if (check.server) resolver.setServers([check.server]);
    try {
      const answers = await withTimeout(resolveAnswers(resolver, check), check.timeoutMs);
      const timings = { totalMs: elapsed() };
      const missing = check.expect.filter((expected) => !answers.includes(expected));
      if (missing.length > 0) return failure('assertion', `expected ${check.recordType} answers ${missing.join(', ')}, got ${answers.join(', ') || 'none'}`, timings);
      return { ok: true, timings };
    } catch (err) {
      const { errorClass, message } = classifyError(err);
      return failure(errorClass, `${check.recordType} ${check.name}: ${message}`, { totalMs: elapsed() });
    } finally {
      resolver.cancel();
    }
  },
};

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
