import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TcpCheckConfig } from '../../../libs/config/index.js';
import { tcpProbe } from '../../../libs/probes/tcp.js';
import { freePort } from '../../../scripts/local-stack/ports.js';

const tcpCheck = (port: number): TcpCheckConfig => ({
  id: 'db', type: 'tcp', host: '127.0.0.1', port, intervalMs: 10_000, timeoutMs: 1_000,
  failureThreshold: 1, successThreshold: 1, labels: {}, regions: ['default'],
});

describe('tcp probe', () => {
  let server: Server;
  beforeAll(async () => {
    server = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('is up when the port accepts a connection, with the connect time', async () => {
    const outcome = await tcpProbe.run(tcpCheck((server.address() as AddressInfo).port));
    expect(outcome.ok).toBe(true);
    expect(outcome.timings.connectMs).toBeGreaterThanOrEqual(0);
  });

  it('is down with class refused when nothing listens', async () => {
    expect(await tcpProbe.run(tcpCheck(await freePort()))).toMatchObject({ ok: false, errorClass: 'refused' });
  });
});
