import { spawn } from 'node:child_process';
import type { IcmpCheckConfig } from '../config/index.js';
import type { ErrorClass } from '../queues/index.js';
import { failure, roundMs, startClock, success, type Probe, type ProbeOutcome } from './types.js';

export const PING_MISSING_MESSAGE = 'icmp probes need the ping binary (Debian package iputils-ping)';
const OUTPUT_LIMIT_BYTES = 64 * 1024;
/** After SIGINT ping prints its statistics at once; one that does not is killed this much later. */
const KILL_GRACE_MS = 1_000;

export interface PingStatistics {
  transmitted: number;
  received: number;
  /** Average round trip in ms; absent when nothing came back. */
  avgMs?: number;
}

/**
 * Reads the summary iputils ping (and busybox ping) prints at the end:
 * "3 packets transmitted, 3 received, 0% packet loss" and "rtt min/avg/max/mdev = 0.1/0.2/0.3/0.1 ms".
 */
export function parsePingOutput(output: string): PingStatistics | undefined {
  const counts = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(output);
  if (!counts) return undefined;
  const rtt = /min\/avg\/max(?:\/\w+)? = ([\d.]+)\/([\d.]+)\/([\d.]+)/.exec(output);
  return {
    transmitted: Number(counts[1]),
    received: Number(counts[2]),
    ...(rtt ? { avgMs: Number(rtt[2]) } : {}),
  };
}

/** Why ping gave no statistics, from what it wrote on stderr. */
function classifyPingError(stderr: string): { errorClass: ErrorClass; message: string } {
  const line = stderr.split('\n').map((text) => text.trim()).find(Boolean) ?? 'ping failed without a message';
  if (/not permitted|permission denied|are you root/i.test(stderr)) {
    return { errorClass: 'unsupported', message: `ping is not permitted on this host (it needs CAP_NET_RAW or net.ipv4.ping_group_range): ${line}` };
  }
  if (/name or service not known|temporary failure in name resolution|unknown host|no address associated|bad address/i.test(stderr)) {
    return { errorClass: 'dns', message: line };
  }
  if (/network is unreachable|no route to host/i.test(stderr)) return { errorClass: 'refused', message: line };
  return { errorClass: 'other', message: line };
}

export interface IcmpProbeOptions {
  /** The ping program; default `ping` on PATH. */
  command?: string;
}

/**
 * Echo requests through the system's ping (iputils): Node cannot open raw ICMP sockets, and
 * ping is what holds the privilege for them. The average round trip is `totalMs`; the share
 * lost is `lossPercent`. Without ping, or without permission, the outcome is class
 * `unsupported` rather than a crash.
 */
export function createIcmpProbe(options: IcmpProbeOptions = {}): Probe<'icmp'> {
  const command = options.command ?? 'ping';
  return {
    run: (check) => runPing(command, check),
  };
}

export const icmpProbe = createIcmpProbe();

function pingArguments(check: IcmpCheckConfig): string[] {
  // Spread the requests over most of the timeout, between 200ms (the unprivileged minimum) and 1s apart.
  const intervalS = Math.min(1, Math.max(0.2, (check.timeoutMs * 0.8) / 1_000 / check.count));
  const deadlineS = Math.max(1, Math.floor(check.timeoutMs / 1_000));
  const waitS = Math.max(0.1, check.timeoutMs / 1_000);
  // The host was validated as a host name or address, so it cannot be read as an option.
  return ['-n', '-c', String(check.count), '-i', intervalS.toFixed(3), '-W', waitS.toFixed(3), '-w', String(deadlineS), check.host];
}

function runPing(command: string, check: IcmpCheckConfig): Promise<ProbeOutcome> {
  const clock = startClock(check.timeoutMs);
  // The configuration refuses such hosts; a job is not re-validated, so ping never sees one either.
  if (check.host.startsWith('-')) return Promise.resolve(failure('other', `refusing to ping ${JSON.stringify(check.host)}`, { totalMs: 0 }));
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    let settled = false;
    const finish = (outcome: ProbeOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(interrupt);
      clearTimeout(kill);
      resolve(outcome);
    };
    const child = spawn(command, pingArguments(check), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    // ping's own -w deadline is whole seconds: at the timeout it is interrupted, and prints what it has.
    const interrupt = setTimeout(() => {
      interrupted = true;
      child.kill('SIGINT');
    }, Math.max(50, check.timeoutMs - 100));
    const kill = setTimeout(() => child.kill('SIGKILL'), check.timeoutMs + KILL_GRACE_MS);
    child.stdout.on('data', (chunk: Buffer) => {
      if (stdout.length < OUTPUT_LIMIT_BYTES) stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < OUTPUT_LIMIT_BYTES) stderr += chunk.toString('utf8');
    });
    child.once('error', (err: NodeJS.ErrnoException) => {
      const reason = err.code === 'ENOENT' ? PING_MISSING_MESSAGE : `cannot run ${command} (${err.code ?? err.message}): ${PING_MISSING_MESSAGE}`;
      finish(failure('unsupported', reason, { totalMs: clock.elapsed() }));
    });
    child.once('close', () => {
      finish(assess(check, parsePingOutput(stdout), stderr, interrupted, clock.elapsed()));
    });
  });
}

function assess(check: IcmpCheckConfig, stats: PingStatistics | undefined, stderr: string, interrupted: boolean, elapsedMs: number): ProbeOutcome {
  if (stats === undefined) {
    if (interrupted && stderr.trim() === '') return failure('timeout', `ping ${check.host} gave no answer within ${check.timeoutMs}ms`, { totalMs: elapsedMs });
    const { errorClass, message } = classifyPingError(stderr);
    return failure(errorClass, message, { totalMs: elapsedMs });
  }
  const sent = Math.max(stats.transmitted, 1);
  const lossPercent = roundMs(((sent - Math.min(stats.received, sent)) / sent) * 100);
  if (stats.received === 0 || stats.avgMs === undefined) {
    return failure('timeout', `no echo reply from ${check.host} to ${stats.transmitted} request${stats.transmitted === 1 ? '' : 's'}`, { totalMs: elapsedMs }, { lossPercent: 100 });
  }
  const timings = { totalMs: roundMs(stats.avgMs) };
  const facts = { lossPercent };
  const { maxLossPercent, maxResponseTimeMs } = check.expect;
  if (maxLossPercent !== undefined && lossPercent > maxLossPercent) {
    return failure('assertion', `${lossPercent}% of echo requests to ${check.host} lost (${stats.received} of ${stats.transmitted} answered), more than maxLossPercent ${maxLossPercent}`, timings, facts);
  }
  if (maxResponseTimeMs !== undefined && stats.avgMs > maxResponseTimeMs) {
    return failure('assertion', `average round trip to ${check.host} ${stats.avgMs}ms, more than maxResponseTime ${maxResponseTimeMs}ms`, timings, facts);
  }
  return success(timings, facts);
}
