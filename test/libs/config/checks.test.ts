/**
 * The probe-type keys of checks (issue 3): what each accepts and normalizes to, and how each
 * bad form is reported, by path.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig, type CheckConfig } from '../../../libs/config/index.js';
import { makeCertificate } from '../../support/tls-certs.js';
import { httpCheck, problemsOf, tcpCheck } from './support.js';

const checkOf = (yaml: string, env: NodeJS.ProcessEnv = {}, source?: string): CheckConfig => parseConfig(yaml, env, source).checks[0]!;
const dnsCheck = (extra = ''): string => `checks:\n  - { id: r, type: dns, name: example.com${extra ? `, ${extra}` : ''} }\n`;
const tlsCheck = (extra = ''): string => `checks:\n  - { id: smtps, type: tls, host: mail.example.com, port: 465${extra ? `, ${extra}` : ''} }\n`;
const icmpCheck = (extra = ''): string => `checks:\n  - { id: gw, type: icmp, host: 10.0.0.1${extra ? `, ${extra}` : ''} }\n`;

/** Exactly one problem, at `path`, whose message matches. */
function expectOneProblem(yaml: string, path: string, message: RegExp, env: NodeJS.ProcessEnv = {}): void {
  expect(problemsOf(yaml, env)).toEqual([expect.objectContaining({ path, message: expect.stringMatching(message) })]);
}

describe('http checks', () => {
  it('default to following 5 redirects, reading 1 MiB, verifying TLS', () => {
    expect(checkOf(httpCheck())).toMatchObject({ followRedirects: 5, maxBodyBytes: 1_048_576, tls: { verify: true } });
  });

  it.each([
    ['followRedirects: 0', { followRedirects: 0 }],
    ['followRedirects: "10"', { followRedirects: 10 }],
    ['maxBodyBytes: 65536', { maxBodyBytes: 65_536 }],
    ['maxBodyBytes: 512KiB', { maxBodyBytes: 524_288 }],
    ['maxBodyBytes: 2MB', { maxBodyBytes: 2_000_000 }],
    ['maxBodyBytes: 64MiB', { maxBodyBytes: 64 * 1_048_576 }],
    ['tls: { verify: false }', { tls: { verify: false } }],
    ['tls: { serverName: shop.example.com }', { tls: { verify: true, serverName: 'shop.example.com' } }],
    ['headers: { Host: shop.example.com, X-Token: abc }', { headers: { Host: 'shop.example.com', 'X-Token': 'abc' } }],
  ])('accept %s', (extra, normalized) => {
    expect(checkOf(httpCheck(extra))).toMatchObject(normalized);
  });

  describe('tls.ca', () => {
    it('keeps PEM text as it is', async () => {
      const { cert } = await makeCertificate();
      const yaml = `checks:\n  - id: web\n    type: http\n    url: https://example.com/\n    tls:\n      ca: |\n${cert.trim().split('\n').map((line) => `        ${line}`).join('\n')}\n`;
      expect(checkOf(yaml)).toMatchObject({ tls: { verify: true, ca: `${cert.trim()}\n` } });
    });

    it('resolves a relative file path against the configuration file directory', () => {
      expect(checkOf(httpCheck('tls: { ca: certs/ca.pem }'), {}, '/etc/vigil/vigil.yaml')).toMatchObject({ tls: { ca: '/etc/vigil/certs/ca.pem' } });
    });

    it('keeps an absolute file path', () => {
      expect(checkOf(httpCheck('tls: { ca: /srv/ca.pem }'), {}, '/etc/vigil/vigil.yaml')).toMatchObject({ tls: { ca: '/srv/ca.pem' } });
    });

    it('rejects PEM text that is not a certificate', () => {
      expectOneProblem(httpCheck('tls: { ca: "-----BEGIN CERTIFICATE-----\\nbm90IGEgY2VydA==\\n-----END CERTIFICATE-----" }'), 'checks[0].tls.ca', /certificate 1 of the PEM text cannot be read/);
    });

    it('rejects a private key given as the CA', () => {
      expectOneProblem(httpCheck('tls: { ca: "-----BEGIN PRIVATE KEY-----\\nabc\\n-----END PRIVATE KEY-----" }'), 'checks[0].tls.ca', /expected PEM certificates/);
    });
  });

  it.each([
    ['followRedirects: -1', 'checks[0].followRedirects', /expected a number of redirects \(0 = do not follow\) from 0 to 20, got -1/],
    ['followRedirects: 21', 'checks[0].followRedirects', /from 0 to 20, got 21/],
    ['followRedirects: true', 'checks[0].followRedirects', /from 0 to 20, got true/],
    ['maxBodyBytes: 0', 'checks[0].maxBodyBytes', /expected a size like 65536 or "1MiB", from 1 byte to 64MiB, got 0/],
    ['maxBodyBytes: 65MiB', 'checks[0].maxBodyBytes', /expected a size .*got "65MiB"/],
    ['maxBodyBytes: 1GB', 'checks[0].maxBodyBytes', /expected a size .*got "1GB"/],
    ['maxBodyBytes: lots', 'checks[0].maxBodyBytes', /expected a size .*got "lots"/],
    ['tls: { verfy: false }', 'checks[0].tls.verfy', /unknown key, did you mean "verify"\?/],
    ['tls: { verify: "no" }', 'checks[0].tls.verify', /expected true or false, got "no"/],
    ['tls: true', 'checks[0].tls', /expected a mapping, got true/],
    ['tls: { serverName: 10.0.0.1 }', 'checks[0].tls.serverName', /expected a host name like "shop.example.com", got "10.0.0.1"/],
    ['tls: { serverName: "shop example" }', 'checks[0].tls.serverName', /expected a host name/],
    ['headers: { "X Token": a }', 'checks[0].headers["X Token"]', /expected a header name like "content-type", got "X Token"/],
  ])('reject %s', (extra, path, message) => {
    expectOneProblem(httpCheck(extra), path, message);
  });

  it('rejects a header value with a line break (from the environment)', () => {
    expectOneProblem(httpCheck('headers: { X-Token: "${TOKEN}" }'), 'checks[0].headers.X-Token', /without line breaks/, { TOKEN: 'a\r\nX-Admin: 1' });
  });

  describe('expect.certExpiresAfter', () => {
    it('is refused on an http:// URL that follows no redirects: no certificate is ever seen', () => {
      const yaml = 'checks:\n  - { id: a, type: http, url: "http://example.com/", followRedirects: 0, expect: { certExpiresAfter: 14d } }\n';
      expectOneProblem(yaml, 'checks[0].expect.certExpiresAfter', /needs an https:\/\/ URL/);
    });

    it('is allowed on an http:// URL that may redirect to https', () => {
      expect(checkOf('checks:\n  - { id: a, type: http, url: "http://example.com/", expect: { certExpiresAfter: 14d } }\n')).toMatchObject({ expect: { certExpiresAfterMs: 14 * 86_400_000 } });
    });
  });
});

describe('expect.json', () => {
  it.each<[string, unknown]>([
    ['UP', { eq: 'UP' }],
    ['7', { eq: 7 }],
    ['true', { eq: true }],
    ['null', { eq: null }],
    ['{ eq: UP }', { eq: 'UP' }],
    ['{ ne: DOWN }', { ne: 'DOWN' }],
    ['{ gt: 5, lte: 10 }', { gt: 5, lte: 10 }],
    ['{ gte: "1.5", lt: "${MAX}" }', { gte: 1.5, lt: 20 }],
    ['{ contains: prod }', { contains: 'prod' }],
    ['{ matches: "^v\\\\d+" }', { matches: '^v\\d+' }],
    ['{ exists: true }', { exists: true }],
    ['{ exists: false }', { exists: false }],
  ])('normalizes %s', (written, matcher) => {
    expect(checkOf(httpCheck(`expect: { json: { "$.a": ${written} } }`), { MAX: '20' })).toMatchObject({ expect: { json: { '$.a': matcher } } });
  });

  it.each([
    ['{ gtt: 5 }', 'checks[0].expect.json["$.a"].gtt', /unknown key, did you mean "gt"\?/],
    ['{ between: [1, 2] }', 'checks[0].expect.json["$.a"].between', /unknown key, expected one of: eq, ne, gt, gte, lt, lte, contains, matches, exists/],
    ['{ gt: five }', 'checks[0].expect.json["$.a"].gt', /expected a number, got "five"/],
    ['{ eq: [1] }', 'checks[0].expect.json["$.a"].eq', /expected a string, a number, true or false or null, got a list/],
    ['{ exists: yes }', 'checks[0].expect.json["$.a"].exists', /expected true or false, got "yes"/],
    ['{}', 'checks[0].expect.json["$.a"]', /expected at least one condition of: eq, ne/],
    ['{ exists: false, eq: 1 }', 'checks[0].expect.json["$.a"]', /exists: false cannot be combined/],
    ['{ matches: "(?<=v)\\\\d" }', 'checks[0].expect.json["$.a"].matches', /expected a regular expression, got .*lookbehind/],
  ])('rejects %s', (written, path, message) => {
    expectOneProblem(httpCheck(`expect: { json: { "$.a": ${written} } }`), path, message);
  });
});

describe('expect.headers', () => {
  it('lowercases names and normalizes values to conditions', () => {
    expect(checkOf(httpCheck('expect: { headers: { Content-Type: application/json, X-Version: { matches: "^4" } } }'))).toMatchObject({
      expect: { headers: { 'content-type': { eq: 'application/json' }, 'x-version': { matches: '^4' } } },
    });
  });

  it('rejects a name that is not a header name', () => {
    expectOneProblem(httpCheck('expect: { headers: { "content type": json } }'), 'checks[0].expect.headers["content type"]', /expected a header name/);
  });

  it('rejects a header listed twice in different case', () => {
    expectOneProblem(httpCheck('expect: { headers: { Content-Type: a, content-type: b } }'), 'checks[0].expect.headers.content-type', /listed twice/);
  });
});

describe('regular expressions use RE2, so no pattern can hang a worker', () => {
  it.each([
    ['a lookbehind', '(?<=version )\\\\d+', /lookahead, lookbehind or backreferences/],
    ['a lookahead', 'a(?=b)', /lookahead, lookbehind or backreferences/],
    ['a backreference', '(a)\\\\1', /lookahead, lookbehind or backreferences/],
    ['an unclosed group', 'version (\\\\d+', /missing closing \)/],
  ])('bodyMatches with %s is a configuration error', (_, pattern, message) => {
    expectOneProblem(httpCheck(`expect: { bodyMatches: "${pattern}" }`), 'checks[0].expect.bodyMatches', message);
  });

  it('accepts what RE2 and JavaScript share, inline flags included', () => {
    expect(checkOf(httpCheck('expect: { bodyMatches: "(?i)^status: (up|ok)\\\\b" }'))).toMatchObject({ expect: { bodyMatches: '(?i)^status: (up|ok)\\b' } });
  });

  it('checks watch patterns the same way', () => {
    expectOneProblem('watches:\n  - { id: w, paths: [/x], match: "(?<!DEBUG )ERROR" }\n', 'watches[0].match', /lookahead, lookbehind or backreferences/);
  });
});

describe('tcp checks', () => {
  it.each<[string, Record<string, unknown>]>([
    ['send: "PING\\r\\n"', { send: 'PING\r\n' }],
    ["send: 'PING\\r\\n'", { send: 'PING\r\n' }],
    ['send: PING\\r\\n', { send: 'PING\r\n' }],
    ["send: 'tab\\tnul\\0slash\\\\hex\\x41'", { send: 'tab\tnul\0slash\\hexA' }],
    ['expect: "+PONG"', { expect: '+PONG' }],
    ['tls: true', { tls: { verify: true } }],
    ['tls: { verify: false, serverName: db.internal }', { tls: { verify: false, serverName: 'db.internal' } }],
  ])('accept %s', (extra, normalized) => {
    expect(checkOf(tcpCheck(extra))).toMatchObject(normalized);
  });

  it('without tls, send or expect only connects', () => {
    const check = checkOf(tcpCheck('tls: false'));
    expect(check).not.toHaveProperty('tls');
    expect(check).not.toHaveProperty('send');
    expect(check).not.toHaveProperty('expect');
  });

  it.each([
    ["send: 'a\\qb'", 'checks[0].send', /unsupported escape "\\\\q"/],
    ["send: '\\xff'", 'checks[0].send', /unsupported escape "\\\\xff"/],
    ['expect: ""', 'checks[0].expect', /non-empty/],
    ['expect: 220', 'checks[0].expect', /expected a string, got 220/],
    ['tls: "yes"', 'checks[0].tls', /expected true or false or a mapping, got "yes"/],
    ['tls: { verfy: true }', 'checks[0].tls.verfy', /unknown key, did you mean "verify"\?/],
    ['tls: { verify: 1 }', 'checks[0].tls.verify', /expected true or false, got 1/],
  ])('reject %s', (extra, path, message) => {
    expectOneProblem(tcpCheck(extra), path, message);
  });
});

describe('dns checks', () => {
  it('expect NOERROR by default', () => {
    expect(checkOf(dnsCheck())).toMatchObject({ rcode: 'NOERROR', expect: [] });
  });

  it.each(['NXDOMAIN', 'SERVFAIL', 'REFUSED', 'NOTIMP', 'FORMERR', 'NOERROR'])('accept rcode %s', (rcode) => {
    expect(checkOf(dnsCheck(`rcode: ${rcode}`))).toMatchObject({ rcode });
  });

  it.each(['1.1.1.1', '127.0.0.1:5353', '::1', '[::1]:53', '[2001:db8::1]'])('accept the resolver %s', (server) => {
    expect(checkOf(dnsCheck(`server: "${server}"`))).toMatchObject({ server });
  });

  it.each([
    ['rcode: NOTFOUND', 'checks[0].rcode', /expected one of "NOERROR", "NXDOMAIN", .*got "NOTFOUND"/],
    ['server: dns.google', 'checks[0].server', /expected a resolver IP address like "1.1.1.1"/],
    ['server: "1.1.1.1:70000"', 'checks[0].server', /expected a resolver IP address/],
    ['rcode: NXDOMAIN, expect: ["1.2.3.4"]', 'checks[0].expect', /cannot be expected together with rcode NXDOMAIN/],
  ])('reject %s', (extra, path, message) => {
    expectOneProblem(dnsCheck(extra), path, message);
  });
});

describe('tls checks', () => {
  it('verify by default, with no expiry threshold', () => {
    expect(checkOf(tlsCheck())).toEqual({
      id: 'smtps', type: 'tls', host: 'mail.example.com', port: 465, verify: true, expect: {},
      intervalMs: 30_000, timeoutMs: 5_000, failureThreshold: 3, successThreshold: 1, labels: {}, regions: ['default'],
    });
  });

  it('take serverName, verify, ca and certExpiresAfter', () => {
    expect(checkOf(tlsCheck('serverName: smtp.example.com, verify: false, ca: /etc/ssl/ca.pem, expect: { certExpiresAfter: 21d }'))).toMatchObject({
      serverName: 'smtp.example.com', verify: false, ca: '/etc/ssl/ca.pem', expect: { certExpiresAfterMs: 21 * 86_400_000 },
    });
  });

  it.each([
    ['checks:\n  - { id: t, type: tls, port: 465 }\n', 'checks[0].host', /required/],
    ['checks:\n  - { id: t, type: tls, host: h }\n', 'checks[0].port', /65535/],
    [tlsCheck('url: "https://x/"'), 'checks[0].url', /unknown key, expected one of: .*serverName, verify, ca, expect$/],
    [tlsCheck('expect: { status: [200] }'), 'checks[0].expect.status', /unknown key/],
    [tlsCheck('expect: { certExpiresAfter: 14 }'), 'checks[0].expect.certExpiresAfter', /expected a duration/],
    [tlsCheck('serverName: "*"'), 'checks[0].serverName', /expected a host name/],
  ])('reject %#: %s', (yaml, path, message) => {
    expectOneProblem(yaml, path, message);
  });
});

describe('icmp checks', () => {
  it('send 3 echo requests by default, with no thresholds', () => {
    expect(checkOf(icmpCheck())).toMatchObject({ type: 'icmp', host: '10.0.0.1', count: 3, expect: {} });
  });

  it('take count, maxLossPercent and maxResponseTime', () => {
    expect(checkOf(icmpCheck('count: 5, expect: { maxLossPercent: 20, maxResponseTime: 150ms }'))).toMatchObject({
      count: 5, expect: { maxLossPercent: 20, maxResponseTimeMs: 150 },
    });
  });

  it.each(['gateway.internal', '::1', 'fe80::1', 'host_1.example.com'])('accept the host %s', (host) => {
    expect(checkOf(`checks:\n  - { id: gw, type: icmp, host: "${host}" }\n`)).toMatchObject({ host });
  });

  it.each([
    ['checks:\n  - { id: gw, type: icmp, host: "-c" }\n', 'checks[0].host', /expected a host name or IP address/],
    ['checks:\n  - { id: gw, type: icmp, host: "a b" }\n', 'checks[0].host', /expected a host name or IP address/],
    [icmpCheck('count: 0'), 'checks[0].count', /expected a number of echo requests from 1 to 20, got 0/],
    [icmpCheck('count: 21'), 'checks[0].count', /from 1 to 20, got 21/],
    [icmpCheck('count: 20, timeout: 2s'), 'checks[0].count', /20 echo requests, 200ms apart, need a timeout longer than 4000ms/],
    [icmpCheck('expect: { maxLossPercent: 101 }'), 'checks[0].expect.maxLossPercent', /at most 100/],
    [icmpCheck('port: 7'), 'checks[0].port', /unknown key/],
  ])('reject %#: %s', (yaml, path, message) => {
    expectOneProblem(yaml, path, message);
  });
});

describe('the README configuration example', () => {
  it('is a valid configuration with every probe type', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const yaml = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const config = parseConfig(yaml, { ONCALL_WEBHOOK_URL: 'https://hooks.example.com/x', WEBHOOK_SECRET: 's', SLACK_URL: 'https://hooks.slack.example/x', PAGERDUTY_KEY: 'k' });
    expect(new Set(config.checks.map((check) => check.type))).toEqual(new Set(['http', 'tcp', 'dns', 'tls', 'icmp']));
  });
});
