import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpExpect } from '../../../libs/config/index.js';
import { httpProbe } from '../../../libs/probes/http.js';
import { freePort } from '../../../scripts/local-stack/ports.js';
import { startHttpServer, type TestServer } from '../../support/http-servers.js';
import { eventually } from '../../support/infra.js';
import { httpCheck } from './checks.js';

describe('http probe', () => {
  let server: TestServer;
  let other: TestServer;
  const connections = new Set<unknown>();
  /** When the probe hung up on /endless (performance.now()). */
  let endlessClosedAt: number | undefined;
  const seen: Array<{ path: string; method: string; host: string | undefined; authorization: string | undefined; body: string }> = [];

  beforeAll(async () => {
    other = await startHttpServer((req, res) => {
      seen.push({ path: req.url ?? '', method: req.method ?? '', host: req.headers.host, authorization: req.headers.authorization, body: '' });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('other origin');
    });
    server = await startHttpServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        seen.push({ path: url.pathname, method: req.method ?? '', host: req.headers.host, authorization: req.headers.authorization, body: Buffer.concat(chunks).toString('utf8') });
        route(url, req.method ?? 'GET', req.headers, res);
      });
    });
    server.server.on('connection', (socket) => connections.add(socket));
  });
  afterAll(async () => {
    await server.close();
    await other.close();
  });

  function route(url: URL, method: string, headers: Record<string, string | string[] | undefined>, res: import('node:http').ServerResponse): void {
    switch (url.pathname) {
      case '/slow':
        setTimeout(() => res.end('late'), 3_000).unref();
        return;
      case '/status':
        res.writeHead(Number(url.searchParams.get('code'))).end();
        return;
      case '/echo':
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ method, agent: headers['user-agent'], token: headers['x-token'], host: headers.host }));
        return;
      case '/big':
        res.writeHead(200);
        res.end('x'.repeat(3 * 1024 * 1024) + 'needle');
        return;
      case '/endless':
        // Four times the drain limit at once, then the body never ends: a probe that read the
        // body would wait for the rest until its timeout.
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.write(Buffer.alloc(256 * 1024, 'x'));
        res.once('close', () => { endlessClosedAt = performance.now(); });
        return;
      case '/evil':
        // (a+)+$ backtracks exponentially on this in a backtracking engine.
        res.writeHead(200).end(`${'a'.repeat(50_000)}!`);
        return;
      case '/headers':
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'x-version': '42', 'cache-control': 'no-store' }).end('{}');
        return;
      case '/redirect': {
        // /redirect?n=3 redirects three times, then lands on /; ?to= sends it elsewhere.
        const left = Number(url.searchParams.get('n') ?? '1');
        const code = Number(url.searchParams.get('code') ?? '302');
        const to = url.searchParams.get('to') ?? (left > 1 ? `/redirect?n=${left - 1}&code=${code}` : '/echo');
        res.writeHead(code, { location: to }).end();
        return;
      }
      case '/loop':
        res.writeHead(302, { location: '/loop' }).end();
        return;
      default:
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"UP","version":"version 42","count":7,"ratio":0.25,"tags":["eu","prod"],"items":[{"id":7}],"maintenance":null}');
    }
  }

  it('reports a healthy endpoint as up with its status code and per-phase timings', async () => {
    const outcome = await httpProbe.run(httpCheck(`${server.url}/`));
    expect(outcome).toMatchObject({ ok: true, statusCode: 200 });
    expect(outcome.timings).toEqual({ connectMs: expect.any(Number), firstByteMs: expect.any(Number), totalMs: expect.any(Number) });
    expect(outcome.timings.connectMs! + outcome.timings.firstByteMs!).toBeLessThanOrEqual(outcome.timings.totalMs + 0.1);
    expect(outcome).not.toHaveProperty('certDaysLeft');
  });

  it('measures name resolution when the URL names a host', async () => {
    const outcome = await httpProbe.run(httpCheck(`${server.url.replace('127.0.0.1', 'localhost')}/`));
    // localhost may resolve to ::1 first; the server listens on 127.0.0.1 only, so either is fine as long as DNS was timed.
    expect(outcome.timings.dnsMs).toBeGreaterThanOrEqual(0);
  });

  it('runs a check queued before followRedirects, maxBodyBytes and tls existed, with their defaults', async () => {
    const { followRedirects: _f, maxBodyBytes: _m, tls: _t, ...older } = httpCheck(`${server.url}/redirect?n=2`, { bodyContains: 'Vigil' });
    expect(await httpProbe.run(older as never)).toMatchObject({ ok: true, statusCode: 200 });
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

  it('sends the configured method, headers and body', async () => {
    const outcome = await httpProbe.run(httpCheck(`${server.url}/echo`, { json: { '$.method': { eq: 'POST' }, '$.token': { eq: 'abc' }, '$.agent': { eq: 'Vigil/0.1' } } }, { method: 'POST', headers: { 'x-token': 'abc' }, body: '{"ping":1}' }));
    expect(outcome).toMatchObject({ ok: true });
    expect(seen.at(-1)).toMatchObject({ method: 'POST', body: '{"ping":1}' });
  });

  it('sends a Host header given in headers instead of the URL host (virtual hosts)', async () => {
    const outcome = await httpProbe.run(httpCheck(`${server.url}/echo`, { json: { '$.host': { eq: 'shop.example.com' } } }, { headers: { Host: 'shop.example.com' } }));
    expect(outcome).toMatchObject({ ok: true });
  });

  it('lets a configured User-Agent replace the default one', async () => {
    const outcome = await httpProbe.run(httpCheck(`${server.url}/echo`, { json: { '$.agent': { eq: 'probe/2' } } }, { headers: { 'User-Agent': 'probe/2' } }));
    expect(outcome).toMatchObject({ ok: true });
  });

  describe('body assertions', () => {
    it('pass when they hold', async () => {
      const outcome = await httpProbe.run(httpCheck(`${server.url}/`, { bodyContains: '"status":"UP"', bodyMatches: 'version \\d+', json: { '$.status': { eq: 'UP' }, '$.items[0].id': { eq: 7 } } }));
      expect(outcome.ok).toBe(true);
    });

    it.each([
      [{ bodyContains: 'DOWN' }, 'does not contain "DOWN"'],
      [{ bodyMatches: 'release \\d+' }, 'does not match /release \\d+/'],
      [{ json: { '$.status': { eq: 'DOWN' } } }, 'json $.status: expected "DOWN", got "UP"'],
      [{ json: { '$.missing.field': { eq: 1 } } }, 'json $.missing.field: expected 1, got nothing'],
    ] as const)('fail %j with class assertion, saying what was found', async (expectation, message) => {
      const outcome = await httpProbe.run(httpCheck(`${server.url}/`, expectation as Partial<HttpExpect>));
      expect(outcome).toMatchObject({ ok: false, errorClass: 'assertion', statusCode: 200 });
      expect(outcome.message).toContain(message);
    });

    it('fail when the body is not JSON but json is asserted', async () => {
      const outcome = await httpProbe.run(httpCheck(`${server.url}/evil`, { json: { '$.a': { exists: true } } }));
      expect(outcome).toMatchObject({ ok: false, errorClass: 'assertion', message: 'body is not valid JSON' });
    });

    it('match patterns in linear time: (a+)+$ on 50,000 "a"s and a "!" finishes at once', async () => {
      const started = performance.now();
      const outcome = await httpProbe.run(httpCheck(`${server.url}/evil`, { bodyMatches: '(a+)+$' }, { timeoutMs: 5_000 }));
      expect(outcome).toMatchObject({ ok: false, errorClass: 'assertion' });
      expect(performance.now() - started).toBeLessThan(1_000);
    });

    it('match RE2 inline flags such as (?i)', async () => {
      expect(await httpProbe.run(httpCheck(`${server.url}/`, { bodyMatches: '(?i)"STATUS":"up"' }))).toMatchObject({ ok: true });
    });
  });

  describe('json operators', () => {
    it.each<[string, Record<string, unknown>]>([
      ['gt / lt on a number', { '$.count': { gt: 5, lt: 10 } }],
      ['gte / lte on the bounds', { '$.count': { gte: 7, lte: 7 } }],
      ['ne', { '$.status': { ne: 'DOWN' } }],
      ['contains in a string', { '$.version': { contains: '42' } }],
      ['contains in a list', { '$.tags': { contains: 'prod' } }],
      ['matches', { '$.version': { matches: '^version \\d+$' } }],
      ['exists', { '$.items[0].id': { exists: true } }],
      ['exists on a null value', { '$.maintenance': { exists: true } }],
      ['exists: false', { '$.error': { exists: false } }],
      ['eq against a value given as text', { '$.count': { eq: '7' } }],
      ['eq null', { '$.maintenance': { eq: null } }],
      ['a fraction', { '$.ratio': { lt: 0.5 } }],
    ])('pass: %s', async (_, json) => {
      const outcome = await httpProbe.run(httpCheck(`${server.url}/`, { json } as Partial<HttpExpect>));
      expect(outcome).toMatchObject({ ok: true });
    });

    it.each<[string, Record<string, unknown>, string]>([
      ['gt', { '$.count': { gt: 7 } }, 'json $.count: expected a number > 7, got 7'],
      ['gte', { '$.count': { gte: 8 } }, 'expected a number >= 8, got 7'],
      ['lt', { '$.count': { lt: 7 } }, 'expected a number < 7, got 7'],
      ['lte', { '$.count': { lte: 6 } }, 'expected a number <= 6, got 7'],
      ['a comparison on text', { '$.status': { gt: 1 } }, 'expected a number > 1, got "UP"'],
      ['ne', { '$.status': { ne: 'UP' } }, 'expected anything but "UP", got "UP"'],
      ['contains', { '$.tags': { contains: 'staging' } }, 'expected to contain "staging", got ["eu","prod"]'],
      ['matches', { '$.version': { matches: '^v\\d' } }, 'expected to match /^v\\d/, got "version 42"'],
      ['exists', { '$.nope': { exists: true } }, 'json $.nope: expected to exist, got nothing'],
      ['exists: false', { '$.status': { exists: false } }, 'expected to be absent, got "UP"'],
      ['one of several conditions', { '$.count': { gt: 1, lt: 5 } }, 'expected a number < 5, got 7'],
    ])('fail: %s, with the actual value', async (_, json, message) => {
      const outcome = await httpProbe.run(httpCheck(`${server.url}/`, { json } as Partial<HttpExpect>));
      expect(outcome).toMatchObject({ ok: false, errorClass: 'assertion' });
      expect(outcome.message).toContain(message);
    });
  });

  describe('header assertions', () => {
    it.each<[string, HttpExpect['headers']]>([
      ['an exact value', { 'x-version': { eq: '42' } }],
      ['any letter case of the name', { 'Cache-Control': { eq: 'no-store' } } as HttpExpect['headers']],
      ['a pattern', { 'content-type': { matches: '^application/json' } }],
      ['a substring', { 'content-type': { contains: 'json' } }],
      ['a number', { 'x-version': { gte: 40 } }],
      ['absence', { 'x-powered-by': { exists: false } }],
    ])('pass: %s', async (_, headers) => {
      const lower = Object.fromEntries(Object.entries(headers ?? {}).map(([name, matcher]) => [name.toLowerCase(), matcher]));
      expect(await httpProbe.run(httpCheck(`${server.url}/headers`, { headers: lower }))).toMatchObject({ ok: true });
    });

    it.each<[string, HttpExpect['headers'], string]>([
      ['an exact value', { 'content-type': { eq: 'application/json' } }, 'header content-type: expected "application/json", got "application/json; charset=utf-8"'],
      ['a missing header', { 'x-request-id': { exists: true } }, 'header x-request-id: expected to exist, got nothing'],
      ['a pattern', { 'x-version': { matches: '^4[3-9]$' } }, 'header x-version: expected to match /^4[3-9]$/, got "42"'],
    ])('fail: %s, with the actual value', async (_, headers, message) => {
      const outcome = await httpProbe.run(httpCheck(`${server.url}/headers`, { headers }));
      expect(outcome).toMatchObject({ ok: false, errorClass: 'assertion', message });
    });
  });

  describe('maxResponseTime', () => {
    it('fails with class assertion when the response is slower than allowed', async () => {
      const outcome = await httpProbe.run(httpCheck(`${server.url}/echo`, { maxResponseTimeMs: 0.001 }));
      expect(outcome).toMatchObject({ ok: false, errorClass: 'assertion', message: expect.stringMatching(/more than maxResponseTime/) });
    });

    it('passes when the response is fast enough', async () => {
      expect(await httpProbe.run(httpCheck(`${server.url}/echo`, { maxResponseTimeMs: 900 }))).toMatchObject({ ok: true });
    });
  });

  describe('body read cap', () => {
    it('reads no more than 1 MiB by default, so a huge response cannot exhaust a worker', async () => {
      const outcome = await httpProbe.run(httpCheck(`${server.url}/big`, { bodyContains: 'needle' }, { timeoutMs: 3_000 }));
      expect(outcome).toMatchObject({ ok: false, errorClass: 'assertion' });
      expect(outcome.message).toContain('first bytes read');
    });

    it('reads as far as maxBodyBytes allows', async () => {
      const outcome = await httpProbe.run(httpCheck(`${server.url}/big`, { bodyContains: 'needle' }, { timeoutMs: 5_000, maxBodyBytes: 4 * 1024 * 1024 }));
      expect(outcome).toMatchObject({ ok: true });
    });

    it('reads a body an assertion needs: an endless one times the probe out (what the next test relies on)', async () => {
      const outcome = await httpProbe.run(httpCheck(`${server.url}/endless`, { bodyContains: 'needle' }, { timeoutMs: 800 }));
      expect(outcome).toMatchObject({ ok: false, errorClass: 'timeout' });
    });

    it('does not read a body no assertion needs: an endless one is dropped and the probe is up, not timed out', async () => {
      endlessClosedAt = undefined;
      const outcome = await httpProbe.run(httpCheck(`${server.url}/endless`, {}, { timeoutMs: 5_000 }));
      expect(outcome).toMatchObject({ ok: true, statusCode: 200 });
      // It hung up on the body rather than leaving the connection open.
      await eventually('the server to see the probe hang up', () => endlessClosedAt);
    });
  });

  describe('redirects', () => {
    it('are followed up to followRedirects, each hop on its own connection', async () => {
      const before = connections.size;
      const outcome = await httpProbe.run(httpCheck(`${server.url}/redirect?n=3`, { json: { '$.method': { eq: 'GET' } } }, { followRedirects: 3 }));
      expect(outcome).toMatchObject({ ok: true, statusCode: 200 });
      expect(connections.size - before).toBe(4);
      expect(outcome.timings.firstByteMs).toBeDefined();
    });

    it('fail with class protocol when there are more than followRedirects', async () => {
      const outcome = await httpProbe.run(httpCheck(`${server.url}/redirect?n=3`, {}, { followRedirects: 2 }));
      expect(outcome).toMatchObject({ ok: false, errorClass: 'protocol', statusCode: 302, message: expect.stringContaining('more than 2 redirects') });
    });

    it('fail a redirect loop within the limit', async () => {
      expect(await httpProbe.run(httpCheck(`${server.url}/loop`))).toMatchObject({ ok: false, errorClass: 'protocol' });
    });

    it('are not followed with followRedirects: 0, so the 3xx is the response', async () => {
      expect(await httpProbe.run(httpCheck(`${server.url}/redirect?n=1`, {}, { followRedirects: 0 }))).toMatchObject({ ok: false, errorClass: 'status', statusCode: 302 });
      expect(await httpProbe.run(httpCheck(`${server.url}/redirect?n=1`, { status: [302] }, { followRedirects: 0 }))).toMatchObject({ ok: true, statusCode: 302 });
    });

    it('turn a POST into a GET without body after 303, and repeat it after 307', async () => {
      const after303 = await httpProbe.run(httpCheck(`${server.url}/redirect?n=1&code=303`, { json: { '$.method': { eq: 'GET' } } }, { method: 'POST', body: 'x' }));
      expect(after303).toMatchObject({ ok: true });
      const after307 = await httpProbe.run(httpCheck(`${server.url}/redirect?n=1&code=307`, { json: { '$.method': { eq: 'POST' } } }, { method: 'POST', body: 'x' }));
      expect(after307).toMatchObject({ ok: true });
      expect(seen.at(-1)).toMatchObject({ method: 'POST', body: 'x' });
    });

    it('keep credentials and the Host header on the same origin only', async () => {
      const outcome = await httpProbe.run(httpCheck(`${server.url}/redirect?to=${encodeURIComponent(`${other.url}/landing`)}`, {}, { headers: { Authorization: 'Bearer s3cret', Host: 'shop.example.com' } }));
      expect(outcome).toMatchObject({ ok: true });
      const landing = seen.at(-1)!;
      expect(landing).toMatchObject({ path: '/landing', authorization: undefined, host: other.url.replace('http://', '') });
    });

    it('refuse a redirect to another scheme with class protocol', async () => {
      expect(await httpProbe.run(httpCheck(`${server.url}/redirect?to=${encodeURIComponent('ftp://files.example.com/')}`))).toMatchObject({ ok: false, errorClass: 'protocol' });
    });

    it('are bounded by the one timeout of the whole probe', async () => {
      const started = performance.now();
      const outcome = await httpProbe.run(httpCheck(`${server.url}/redirect?to=/slow`, {}, { timeoutMs: 300 }));
      expect(outcome).toMatchObject({ ok: false, errorClass: 'timeout' });
      expect(performance.now() - started).toBeLessThan(2_000);
    });
  });
});
