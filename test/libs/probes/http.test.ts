import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpCheckConfig, HttpExpect } from '../../../libs/config/index.js';
import { httpProbe } from '../../../libs/probes/http.js';
import { freePort } from '../../../scripts/local-stack/ports.js';
import { startHttpServer, type TestServer } from '../../support/http-servers.js';

function httpCheck(url: string, expect: Partial<HttpExpect> = {}, extra: Partial<HttpCheckConfig> = {}): HttpCheckConfig {
  return {
    id: 'target', type: 'http', url, method: 'GET', headers: {}, intervalMs: 10_000, timeoutMs: 1_000,
    failureThreshold: 1, successThreshold: 1, labels: {}, regions: ['default'],
    expect: { status: ['2xx'], ...expect }, ...extra,
  };
}

describe('http probe', () => {
  let server: TestServer;
  const connections = new Set<unknown>();

  beforeAll(async () => {
    server = await startHttpServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/slow') {
        setTimeout(() => res.end('late'), 3_000).unref();
        return;
      }
      if (url.pathname === '/status') {
        res.writeHead(Number(url.searchParams.get('code'))).end();
        return;
      }
      if (url.pathname === '/echo') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ method: req.method, agent: req.headers['user-agent'], token: req.headers['x-token'] }));
        return;
      }
      if (url.pathname === '/big') {
        res.writeHead(200);
        res.end('x'.repeat(3 * 1024 * 1024) + 'needle');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"UP","version":"version 42","items":[{"id":7}]}');
    });
    server.server.on('connection', (socket) => connections.add(socket));
  });
  afterAll(() => server.close());

  it('reports a healthy endpoint as up with its status code and timings', async () => {
    const outcome = await httpProbe.run(httpCheck(`${server.url}/`));
    expect(outcome).toMatchObject({ ok: true, statusCode: 200 });
    expect(outcome.timings.totalMs).toBeGreaterThanOrEqual(0);
    expect(outcome.timings.connectMs).toBeDefined();
  });

  it('opens a fresh connection for every probe', async () => {
    const before = connections.size;
    await httpProbe.run(httpCheck(`${server.url}/`));
    await httpProbe.run(httpCheck(`${server.url}/`));
    expect(connections.size - before).toBe(2);
  });

  it.each([
    [503, ['2xx'], false],
    [302, [200, '3xx'], true],
    [404, [404], true],
    [200, [201], false],
  ] as const)('status %i against %j is ok=%s', async (code, status, ok) => {
    const outcome = await httpProbe.run(httpCheck(`${server.url}/status?code=${code}`, { status: [...status] }));
    expect(outcome.ok).toBe(ok);
    if (!ok) expect(outcome).toMatchObject({ errorClass: 'status', statusCode: code, message: expect.stringContaining(`got ${code}`) });
  });

  it('fails with class timeout when the response takes longer than the timeout', async () => {
    const started = Date.now();
    const outcome = await httpProbe.run(httpCheck(`${server.url}/slow`, {}, { timeoutMs: 300 }));
    expect(outcome).toMatchObject({ ok: false, errorClass: 'timeout' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('fails with class refused when nothing listens on the port', async () => {
    const port = await freePort();
    expect(await httpProbe.run(httpCheck(`http://127.0.0.1:${port}/`))).toMatchObject({ ok: false, errorClass: 'refused' });
  });

  it('passes body assertions that hold', async () => {
    const outcome = await httpProbe.run(httpCheck(`${server.url}/`, { bodyContains: '"status":"UP"', bodyMatches: 'version \\d+', json: { '$.status': 'UP', '$.items[0].id': 7 } }));
    expect(outcome.ok).toBe(true);
  });

  it.each([
    [{ bodyContains: 'DOWN' }, 'does not contain "DOWN"'],
    [{ bodyMatches: 'release \\d+' }, 'does not match'],
    [{ json: { '$.status': 'DOWN' } }, 'json $.status: expected "DOWN", got "UP"'],
    [{ json: { '$.missing.field': 1 } }, 'got nothing'],
  ] as const)('fails assertion %j saying what it found', async (expectation, message) => {
    const outcome = await httpProbe.run(httpCheck(`${server.url}/`, expectation as Partial<HttpExpect>));
    expect(outcome).toMatchObject({ ok: false, errorClass: 'assertion', statusCode: 200 });
    expect(outcome.message).toContain(message);
  });

  it('fails maxResponseTime when the response is slower than allowed', async () => {
    const outcome = await httpProbe.run(httpCheck(`${server.url}/slow`, { maxResponseTimeMs: 1 }, { timeoutMs: 200 }));
    expect(outcome.ok).toBe(false);
  });

  it('sends the configured method and headers', async () => {
    const outcome = await httpProbe.run(httpCheck(`${server.url}/echo`, { json: { '$.method': 'POST', '$.token': 'abc', '$.agent': 'Vigil/0.1' } }, { method: 'POST', headers: { 'x-token': 'abc' }, body: '{}' }));
    expect(outcome).toMatchObject({ ok: true });
  });

  it('reads no more than the body limit, so a huge response cannot exhaust a worker', async () => {
    const outcome = await httpProbe.run(httpCheck(`${server.url}/big`, { bodyContains: 'needle' }, { timeoutMs: 3_000 }));
    expect(outcome).toMatchObject({ ok: false, errorClass: 'assertion' });
    expect(outcome.message).toContain('first bytes read');
  });
});
