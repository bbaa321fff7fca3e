import { connect } from 'node:net';
import { classifyError } from './classify.js';
import { failure, type Probe } from './types.js';

/** Opens a TCP connection and closes it: the target is up when it accepts within the timeout. */
export const tcpProbe: Probe<'tcp'> = {
  run(check) {
    const startedAt = performance.now();
    const elapsed = () => Math.round(performance.now() - startedAt);
    return new Promise((resolve) => {
      const socket = connect({ host: check.host, port: check.port });
      socket.setTimeout(check.timeoutMs);
      socket.once('connect', () => {
        const connectMs = elapsed();
        socket.destroy();
        resolve({ ok: true, timings: { connectMs, totalMs: connectMs } });
      });
      socket.once('timeout', () => {
        socket.destroy();
        resolve(failure('timeout', `no connection to ${check.host}:${check.port} within ${check.timeoutMs}ms`, { totalMs: elapsed() }));
      });
      socket.once('error', (err) => {
        const { errorClass, message } = classifyError(err);
        resolve(failure(errorClass, message, { totalMs: elapsed() }));
      });
    });
  },
};
