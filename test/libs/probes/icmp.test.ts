import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createIcmpProbe, icmpProbe, parsePingOutput, PING_MISSING_MESSAGE } from '../../../libs/probes/icmp.js';
import { icmpCheck } from './checks.js';

/** Runs `use` with an icmp probe whose "ping" is a shell script with this body. */
async function withFakePing<T>(body: string, use: (probe: ReturnType<typeof createIcmpProbe>) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-ping-'));
  try {
    const fake = join(dir, 'ping');
    writeFileSync(fake, `#!/bin/sh\n${body}\n`);
    chmodSync(fake, 0o755);
    return await use(createIcmpProbe({ command: fake }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('icmp probe', () => {
  it('pings 127.0.0.1: average round trip as totalMs, no loss', async () => {
    const outcome = await icmpProbe.run(icmpCheck('127.0.0.1', { count: 2 }));
    expect(outcome).toMatchObject({ ok: true, lossPercent: 0 });
    expect(outcome.timings.totalMs).toBeGreaterThanOrEqual(0);
    expect(outcome.timings.totalMs).toBeLessThan(100);
  });

  it('fails maxResponseTime with class assertion', async () => {
    const outcome = await icmpProbe.run(icmpCheck('127.0.0.1', { count: 1, expect: { maxResponseTimeMs: 0 } }));
    expect(outcome).toMatchObject({ ok: false, errorClass: 'assertion', lossPercent: 0 });
  });

  it.each([
    ['dns', 'ping: nowhere.invalid: Name or service not known'],
    ['unsupported', 'ping: socket: Operation not permitted'],
    ['refused', 'connect: Network is unreachable'],
  ])('is class %s when ping says "%s"', async (errorClass, stderr) => {
    // A stand-in for ping that prints iputils' error and exits 2 (no network or privileges needed).
    const outcome = await withFakePing(`echo "${stderr}" >&2\nexit 2`, (probe) => probe.run(icmpCheck('127.0.0.1')));
    expect(outcome).toMatchObject({ ok: false, errorClass });
  });

  it('reports 100% loss with class timeout when no reply comes back', async () => {
    const script = 'echo "PING 10.0.0.1 (10.0.0.1) 56(84) bytes of data."\necho\necho "--- 10.0.0.1 ping statistics ---"\necho "3 packets transmitted, 0 received, 100% packet loss, time 2040ms"\nexit 1';
    const outcome = await withFakePing(script, (probe) => probe.run(icmpCheck('10.0.0.1')));
    expect(outcome).toMatchObject({ ok: false, errorClass: 'timeout', lossPercent: 100 });
  });

  it('fails maxLossPercent with class assertion on partial loss', async () => {
    const script = 'echo "4 packets transmitted, 3 received, 25% packet loss, time 3004ms"\necho "rtt min/avg/max/mdev = 1.0/2.5/4.0/1.0 ms"\nexit 1';
    const strict = await withFakePing(script, (probe) => probe.run(icmpCheck('10.0.0.1', { expect: { maxLossPercent: 0 } })));
    expect(strict).toMatchObject({ ok: false, errorClass: 'assertion', lossPercent: 25, timings: { totalMs: 2.5 } });
    const lenient = await withFakePing(script, (probe) => probe.run(icmpCheck('10.0.0.1', { expect: { maxLossPercent: 25 } })));
    expect(lenient).toMatchObject({ ok: true, lossPercent: 25 });
  });

  it('is unsupported, not a crash, without a ping binary', async () => {
    const probe = createIcmpProbe({ command: '/nonexistent/bin/ping' });
    expect(await probe.run(icmpCheck('127.0.0.1'))).toMatchObject({ ok: false, errorClass: 'unsupported', message: PING_MISSING_MESSAGE });
  });

  it('says why ping is not permitted', async () => {
    const outcome = await withFakePing('echo "ping: socket: Operation not permitted" >&2\nexit 2', (probe) => probe.run(icmpCheck('127.0.0.1')));
    expect(outcome).toMatchObject({ ok: false, errorClass: 'unsupported', message: expect.stringContaining('CAP_NET_RAW') });
  });

  it('stays within its timeout', async () => {
    const started = performance.now();
    const outcome = await icmpProbe.run(icmpCheck('127.0.0.1', { count: 20, timeoutMs: 1_000 }));
    expect(performance.now() - started).toBeLessThan(2_500);
    expect(outcome.ok).toBe(true);
  });
});

describe('parsePingOutput', () => {
  it.each([
    ['iputils, all answered', '3 packets transmitted, 3 received, 0% packet loss, time 2003ms\nrtt min/avg/max/mdev = 0.018/0.023/0.029/0.004 ms\n', { transmitted: 3, received: 3, avgMs: 0.023 }],
    ['iputils, some lost', '4 packets transmitted, 1 received, +2 errors, 75% packet loss, time 3004ms\nrtt min/avg/max/mdev = 10.5/10.5/10.5/0.000 ms\n', { transmitted: 4, received: 1, avgMs: 10.5 }],
    ['iputils, none answered', '3 packets transmitted, 0 received, 100% packet loss, time 2049ms\n', { transmitted: 3, received: 0 }],
    ['busybox', '3 packets transmitted, 3 packets received, 0% packet loss\nround-trip min/avg/max = 0.1/0.2/0.3 ms\n', { transmitted: 3, received: 3, avgMs: 0.2 }],
  ])('reads %s', (_, output, stats) => {
    expect(parsePingOutput(output)).toEqual(stats);
  });

  it('gives nothing for output without statistics', () => {
    expect(parsePingOutput('ping: socket: Operation not permitted\n')).toBeUndefined();
  });
});
