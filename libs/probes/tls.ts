import type { ProbeTimings } from '../queues/index.js';
import { classifyError } from './classify.js';
import { addPhases, closeGracefully, describeChainError, loadCa, openConnection, type ConnectionRecord } from './connect.js';
import { certAssertionFailure } from './http-assertions.js';
import { failure, startClock, success, type Probe } from './types.js';

/**
 * A TLS handshake and nothing else, for services that speak TLS without HTTP (SMTPS, LDAPS,
 * IMAPS, a database's TLS port): the chain must be trusted, the certificate must match the
 * host (or serverName), and it must not expire within `expect.certExpiresAfter`.
 * The days left are reported whatever the verdict.
 */
export const tlsProbe: Probe<'tls'> = {
  async run(check) {
    const clock = startClock(check.timeoutMs);
    const record: ConnectionRecord = {};
    const timings = (): ProbeTimings => {
      const phases: Omit<ProbeTimings, 'totalMs'> = {};
      addPhases(phases, record);
      return { ...phases, totalMs: clock.elapsed() };
    };
    try {
      const ca = await loadCa(check.ca);
      const tls = { verify: false, ...(ca === undefined ? {} : { ca }), ...(check.serverName === undefined ? {} : { serverName: check.serverName }) };
      const socket = await openConnection({ host: check.host, port: check.port, deadline: clock.deadline, tls }, record);
      closeGracefully(socket);
    } catch (err) {
      const { errorClass, message } = classifyError(err);
      return failure(errorClass, message, timings(), { certDaysLeft: record.tls?.certDaysLeft });
    }
    const facts = record.tls;
    if (facts === undefined) return failure('tls', 'no TLS session', timings());
    const outcome = { certDaysLeft: facts.certDaysLeft };
    if (check.verify && !facts.chainTrusted) {
      return failure('tls', `certificate not trusted: ${describeChainError(facts.chainError)}`, timings(), outcome);
    }
    if (check.verify && facts.identityError !== undefined) {
      return failure('tls', `certificate does not match ${facts.identity}: ${facts.identityError}`, timings(), outcome);
    }
    const expiry = certAssertionFailure(facts.certDaysLeft, facts.validTo, check.expect);
    if (expiry !== undefined) return failure('tls', expiry, timings(), outcome);
    return success(timings(), outcome);
  },
};
