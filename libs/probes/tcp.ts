import type { Socket } from 'node:net';
import type { ProbeTimings } from '../queues/index.js';
import { classifyError } from './classify.js';
import { addPhases, closeGracefully, openConnection, tlsTarget, type ConnectionRecord } from './connect.js';
import { failure, roundMs, startClock, success, type Clock, type Probe } from './types.js';

/** What a TCP check reads at most while it looks for `expect`. */
export const TCP_READ_LIMIT_BYTES = 64 * 1024;

/**
 * Connects (with TLS when configured); then optionally sends `send` and looks for `expect`
 * in what comes back (a banner needs no `send`). Up when every step happens within the timeout.
 */
export const tcpProbe: Probe<'tcp'> = {
  async run(check) {
    const clock = startClock(check.timeoutMs);
    const record: ConnectionRecord = {};
    const timings = (extra: Partial<ProbeTimings> = {}): ProbeTimings => {
      const phases: Omit<ProbeTimings, 'totalMs'> = {};
      addPhases(phases, record);
      return { ...phases, ...extra, totalMs: clock.elapsed() };
    };
    let socket: Socket;
    try {
      const tls = check.tls === undefined ? undefined : await tlsTarget(check.tls);
      socket = await openConnection({ host: check.host, port: check.port, deadline: clock.deadline, ...(tls === undefined ? {} : { tls }) }, record);
    } catch (err) {
      const { errorClass, message } = classifyError(err);
      return failure(errorClass, message, timings(), { certDaysLeft: record.tls?.certDaysLeft });
    }
    const facts = { certDaysLeft: record.tls?.certDaysLeft };
    // From here on a reset or a broken pipe is an outcome, never an unhandled 'error' event.
    let socketError: Error | undefined;
    socket.on('error', (err) => {
      socketError ??= err;
    });
    try {
      if (check.send !== undefined) socket.write(check.send);
      if (check.expect === undefined) {
        const writeError = check.send === undefined ? undefined : (await flushed(socket, clock)) ?? socketError;
        if (writeError !== undefined) {
          const { errorClass, message } = classifyError(writeError);
          return failure(errorClass, message, timings(), facts);
        }
        return success(timings(), facts);
      }
      const reply = await readUntil(socket, Buffer.from(check.expect, 'utf8'), clock);
      const firstByte = reply.firstByteMs === undefined ? {} : { firstByteMs: reply.firstByteMs };
      const seen = reply.received.length === 0 ? 'nothing was received' : `got ${preview(reply.received)}`;
      const wanted = JSON.stringify(check.expect);
      switch (reply.end) {
        case 'found':
          return success(timings(firstByte), facts);
        case 'timeout':
          return failure('timeout', `no ${wanted} within ${check.timeoutMs}ms; ${seen}`, timings(firstByte), facts);
        case 'closed':
          return failure('assertion', `the server closed the connection without sending ${wanted}; ${seen}`, timings(firstByte), facts);
        case 'limit':
          return failure('assertion', `no ${wanted} in the first ${TCP_READ_LIMIT_BYTES} bytes; ${seen}`, timings(firstByte), facts);
        case 'error': {
          const { errorClass, message } = classifyError(reply.error);
          return failure(errorClass, message, timings(firstByte), facts);
        }
      }
    } finally {
      closeGracefully(socket);
    }
  },
};

type Reply = {
  received: Buffer;
  firstByteMs?: number;
} & ({ end: 'found' | 'timeout' | 'closed' | 'limit' } | { end: 'error'; error: Error });

/** Reads until `needle` shows up, the peer closes, TCP_READ_LIMIT_BYTES arrive or time runs out. */
function readUntil(socket: Socket, needle: Buffer, clock: Clock): Promise<Reply> {
  return new Promise((resolve) => {
    const startedAt = performance.now();
    const chunks: Buffer[] = [];
    let size = 0;
    let firstByteMs: number | undefined;
    const finish = (reply: { end: 'found' | 'timeout' | 'closed' | 'limit' } | { end: 'error'; error: Error }) => {
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.removeListener('end', onEnd);
      socket.removeListener('close', onEnd);
      socket.removeListener('error', onError);
      resolve({ ...reply, received: Buffer.concat(chunks), ...(firstByteMs === undefined ? {} : { firstByteMs }) });
    };
    const onData = (chunk: Buffer) => {
      firstByteMs ??= roundMs(performance.now() - startedAt);
      chunks.push(chunk);
      size += chunk.length;
      // Only the tail can complete a match that the previous chunks did not hold.
      const all = Buffer.concat(chunks);
      if (all.indexOf(needle, Math.max(0, size - chunk.length - needle.length)) >= 0) finish({ end: 'found' });
      else if (size >= TCP_READ_LIMIT_BYTES) finish({ end: 'limit' });
    };
    const onEnd = () => finish({ end: 'closed' });
    const onError = (error: Error) => finish({ end: 'error', error });
    const timer = setTimeout(() => finish({ end: 'timeout' }), clock.remaining());
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.once('error', onError);
  });
}

/** Waits until what was written has left (or time runs out; the probe then closes anyway); the write error, if any. */
function flushed(socket: Socket, clock: Clock): Promise<Error | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), clock.remaining());
    socket.write('', (err) => {
      clearTimeout(timer);
      resolve(err ?? undefined);
    });
  });
}

/** What was received, as readable text for a failure message. */
function preview(received: Buffer): string {
  const text = JSON.stringify(received.subarray(0, 120).toString('utf8'));
  return received.length > 120 ? `${text.slice(0, -1)}..." (${received.length} bytes)` : text;
}
