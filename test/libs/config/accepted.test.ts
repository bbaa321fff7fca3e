/**
 * What a valid configuration turns into: durations in milliseconds and every default filled
 * in, so services never look at the YAML spelling or guess a default themselves.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../../libs/config/index.js';
import { fixture, httpCheck, tcpCheck } from './support.js';

const WEBHOOK = 'https://hooks.example.com/oncall';

describe('the example from the issue', () => {
  const config = parseConfig(fixture('issue-example.yaml'), { ONCALL_WEBHOOK_URL: WEBHOOK });

  it('keeps the HTTP check with its own timings and every expectation, in ms', () => {
    expect(config.checks[0]).toEqual({
      id: 'shop-api',
      type: 'http',
      url: 'https://shop.example.com/healthz',
      method: 'GET',
      headers: {},
      intervalMs: 10_000,
      timeoutMs: 2_000,
      retryIntervalMs: 2_000,
      failureThreshold: 3,
      successThreshold: 2,
      labels: { team: 'shop', severity: 'critical' },
      regions: ['default'],
      followRedirects: 5,
      maxBodyBytes: 1_048_576,
      tls: { verify: true },
      expect: {
        status: [200, '3xx'],
        maxResponseTimeMs: 800,
        bodyContains: '"status":"ok"',
        bodyMatches: 'version \\d+',
        json: { '$.status': { eq: 'UP' } },
        certExpiresAfterMs: 14 * 86_400_000,
      },
    });
  });

  it('gives the TCP check the file defaults', () => {
    expect(config.checks[1]).toEqual({
      id: 'postgres', type: 'tcp', host: 'db.internal', port: 5432,
      intervalMs: 30_000, timeoutMs: 5_000, failureThreshold: 3, successThreshold: 1, labels: {}, regions: ['default'],
    });
  });

  it('gives the DNS check the file defaults and no expected answers', () => {
    expect(config.checks[2]).toEqual({
      id: 'resolver', type: 'dns', name: 'example.com', recordType: 'A', rcode: 'NOERROR', expect: [],
      intervalMs: 30_000, timeoutMs: 5_000, failureThreshold: 3, successThreshold: 1, labels: {}, regions: ['default'],
    });
  });

  it('normalizes the three watches', () => {
    expect(config.watches).toEqual([
      {
        id: 'app-errors', paths: ['/var/log/app'], recursive: true, include: ['*.log'], exclude: [],
        match: 'ERROR|FATAL', threshold: { count: 5, withinMs: 60_000 }, on: [], labels: {},
        integrity: false, mustExist: false, polling: false, maxLineLength: 65_536, resolveAfterMs: 3_600_000,
      },
      {
        id: 'nginx-conf', paths: ['/etc/nginx'], recursive: true, include: [], exclude: [],
        threshold: { count: 1, withinMs: 60_000 }, on: ['add', 'change', 'unlink'], labels: {},
        integrity: false, mustExist: false, polling: false, maxLineLength: 65_536, resolveAfterMs: 3_600_000,
      },
      {
        id: 'nightly-backup', paths: ['/backups/db.dump'], recursive: false, include: [], exclude: [],
        threshold: { count: 1, withinMs: 60_000 }, on: [], maxAgeMs: 26 * 3_600_000, labels: {},
        integrity: false, mustExist: false, polling: false, maxLineLength: 65_536, resolveAfterMs: 3_600_000,
      },
    ]);
  });

  it('takes the channel URL from the environment', () => {
    expect(config.channels).toEqual([{ id: 'oncall', type: 'webhook', url: WEBHOOK, headers: {}, contentType: 'application/json', timeoutMs: 10_000 }]);
  });

  it('fills in the route fields the file leaves out', () => {
    expect(config.routes).toEqual([{
      matchers: [{ name: 'severity', operator: '=', value: 'critical' }],
      channels: ['oncall'],
      groupBy: ['check'],
      groupWaitMs: 0,
      groupIntervalMs: 300_000,
      repeatIntervalMs: 4 * 3_600_000,
      sendResolved: true,
      continue: false,
      escalate: [],
      routes: [],
    }]);
  });
});

describe('built-in defaults', () => {
  const check = (text: string): Config['checks'][number] => parseConfig(text, {}).checks[0]!;

  it.each([
    ['intervalMs', 30_000],
    ['timeoutMs', 5_000],
    ['failureThreshold', 3],
    ['successThreshold', 1],
    ['regions', ['default']],
    ['labels', {}],
  ] as const)('a check without %s gets %j', (field, value) => {
    expect(check(tcpCheck())[field]).toEqual(value);
  });

  it('a check without retryInterval has none (it probes at its interval while failing)', () => {
    expect(check(tcpCheck())).not.toHaveProperty('retryIntervalMs');
  });

  it('an HTTP check without expect accepts any 2xx, with GET and no headers', () => {
    expect(check(httpCheck())).toMatchObject({ method: 'GET', headers: {}, expect: { status: ['2xx'] } });
  });

  it('a DNS check without recordType asks for A records', () => {
    expect(check('checks:\n  - { id: r, type: dns, name: example.com }\n')).toMatchObject({ recordType: 'A', expect: [] });
  });

  it('a watch on paths only reports add, change and unlink, one hit per minute', () => {
    const [watch] = parseConfig('watches:\n  - { id: w, paths: [/etc] }\n', {}).watches;
    expect(watch).toEqual({
      id: 'w', paths: ['/etc'], recursive: false, include: [], exclude: [],
      threshold: { count: 1, withinMs: 60_000 }, on: ['add', 'change', 'unlink'], labels: {},
      integrity: false, mustExist: false, polling: false, maxLineLength: 65_536, resolveAfterMs: 3_600_000,
    });
  });

  it('a watch reads its sizes, durations and depth', () => {
    const yaml = 'watches:\n  - { id: w, paths: [/var/log], recursive: true, depth: 2, maxSize: 2GiB, predictWithin: 1d, settle: 500ms, pollInterval: 5s, resolveAfter: 30m, mustExist: true }\n';
    const [watch] = parseConfig(yaml, {}).watches;
    expect(watch).toMatchObject({ depth: 2, maxSizeBytes: 2 * 2 ** 30, predictWithinMs: 86_400_000, settleMs: 500, pollIntervalMs: 5_000, resolveAfterMs: 1_800_000, mustExist: true, on: [] });
  });

  it('a route without match matches every alert', () => {
    const text = 'channels:\n  - { id: c, type: webhook, url: "https://h.example/" }\nroutes:\n  - { channels: [c] }\n';
    expect(parseConfig(text, {}).routes[0]).toMatchObject({ matchers: [], groupBy: ['check'], groupWaitMs: 30_000, sendResolved: true, continue: false });
  });
});

describe('the defaults section', () => {
  const text = 'defaults: { interval: 1m, timeout: 10s, retryInterval: 15s, failureThreshold: 5, successThreshold: 2, regions: [eu, us] }\n';

  it('applies to every check that does not set the field', () => {
    expect(parseConfig(text + tcpCheck(), {}).checks[0]).toMatchObject({
      intervalMs: 60_000, timeoutMs: 10_000, retryIntervalMs: 15_000, failureThreshold: 5, successThreshold: 2, regions: ['eu', 'us'],
    });
  });

  it('loses to the value a check sets itself', () => {
    expect(parseConfig(text + tcpCheck('interval: 2m, regions: [ap]'), {}).checks[0]).toMatchObject({ intervalMs: 120_000, regions: ['ap'] });
  });
});

describe('values that are written more than one way', () => {
  it('reads a status code written as a string as a number', () => {
    expect(parseConfig(httpCheck('expect: { status: ["204", "5xx"] }'), {}).checks[0]).toMatchObject({ expect: { status: [204, '5xx'] } });
  });

  it('turns label values that are numbers or booleans into strings', () => {
    expect(parseConfig(tcpCheck('labels: { tier: 1, paging: true }'), {}).checks[0]?.labels).toEqual({ tier: '1', paging: 'true' });
  });
});

describe('an empty file', () => {
  it.each([
    ['nothing at all', ''],
    ['only a comment', '# nothing configured yet\n'],
    ['empty sections', 'checks: []\nwatches: []\nchannels: []\nroutes: []\n'],
  ])('is valid and configures nothing (%s)', (_, text) => {
    expect(parseConfig(text, {})).toMatchObject({ checks: [], watches: [], channels: [], routes: [], inhibitRules: [], defaultRoute: { groupWaitMs: 30_000, escalate: [] } });
  });
});
