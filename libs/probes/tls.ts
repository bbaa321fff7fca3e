import type { ProbeTimings } from '../queues/index.js';
import { classifyError } from './classify.js';
import { addPhases, closeGracefully, openConnection, tlsTarget, type ConnectionRecord } from './connect.js';
import { certAssertionFailure } from './http-assertions.js';
import { failure, startClock, success, type Probe } from './types.js';

/**
 * A TLS handshake and nothing else, for services that speak TLS without HTTP (SMTPS, LDAPS,
 * IMAPS, a database's TLS port): the chain must be trusted, the certificate must match the
 * host (or serverName), unless `verify: false`, and it must not expire within
 * `expect.certExpiresAfter`. The days left are reported whatever the verdict.
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
      // verify, ca and serverName are the same settings as an HTTP or TCP check's tls, verified the same way.
      const socket = await openConnection({ host: check.host, port: check.port, deadline: clock.deadline, tls: await tlsTarget(check) }, record);
      closeGracefully(socket);
    } catch (err) {
      const { errorClass, message } = classifyError(err);
      return failure(errorClass, message, timings(), { certDaysLeft: record.tls?.certDaysLeft });
    }
    const facts = record.tls;
    if (facts === undefined) return failure('tls', 'no TLS session', timings());
    const outcome = { certDaysLeft: facts.certDaysLeft };
    const expiry = certAssertionFailure(facts.certDaysLeft, facts.validTo, check.expect);
    if (expiry !== undefined) return failure('tls', expiry, timings(), outcome);
    return success(timings(), outcome);
  },
};
