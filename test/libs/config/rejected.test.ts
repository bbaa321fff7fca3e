/**
 * Every way a configuration is rejected. Each problem names where it is (`path`) and what
 * was expected; these tests pin the path and the telling part of the message, not its wording.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../libs/config/index.js';
import { configErrorOf, httpCheck, problemsOf, tcpCheck } from './support.js';

const CHANNEL = 'channels:\n  - { id: oncall, type: webhook, url: "https://hooks.example.com/x" }\n';

interface Case {
  name: string;
  yaml: string;
  path: string;
  message: RegExp;
}

/** The document is rejected with exactly one problem, at `path`, whose message matches. */
function expectOneProblem({ yaml, path, message }: Case): void {
  expect(problemsOf(yaml)).toEqual([expect.objectContaining({ path, message: expect.stringMatching(message) })]);
}

it('rejects with a ConfigError that carries a stable name and code', () => {
  expect(() => parseConfig(tcpCheck('interval: thirty'), {}, 'vigil.yaml')).toThrow(ConfigError);
  expect(configErrorOf(tcpCheck('interval: thirty'), {}, 'vigil.yaml')).toMatchObject({ name: 'ConfigError', code: 'VIGIL_CONFIG_INVALID', source: 'vigil.yaml' });
});

it('words a bad duration as in the issue', () => {
  const yaml = `checks:
  - { id: a, type: tcp, host: h, port: 1 }
  - { id: b, type: tcp, host: h, port: 1 }
  - { id: c, type: tcp, host: h, port: 1, interval: thirty }
`;
  expect(problemsOf(yaml)).toEqual([{ path: 'checks[2].interval', message: 'expected a duration like "30s", got "thirty"', line: 4 }]);
});

describe('durations', () => {
  it.each<Case>([
    { name: 'a word', yaml: tcpCheck('interval: thirty'), path: 'checks[0].interval', message: /expected a duration like "30s", got "thirty"/ },
    { name: 'a bare number', yaml: tcpCheck('interval: 10'), path: 'checks[0].interval', message: /expected a duration .*, got 10$/ },
    { name: 'digits in a string', yaml: tcpCheck('timeout: "10"'), path: 'checks[0].timeout', message: /expected a duration .*, got "10"/ },
    { name: 'a negative duration', yaml: tcpCheck('retryInterval: -1s'), path: 'checks[0].retryInterval', message: /expected a duration .*, got "-1s"/ },
    { name: 'an unknown unit', yaml: tcpCheck('interval: 1w'), path: 'checks[0].interval', message: /expected a duration .*, got "1w"/ },
    { name: 'in defaults', yaml: 'defaults: { timeout: soon }\n', path: 'defaults.timeout', message: /expected a duration/ },
    { name: 'in expect', yaml: httpCheck('expect: { maxResponseTime: fast }'), path: 'checks[0].expect.maxResponseTime', message: /expected a duration/ },
    { name: 'in a watch threshold', yaml: 'watches:\n  - { id: w, paths: [/x], threshold: { count: 2, within: 60 } }\n', path: 'watches[0].threshold.within', message: /expected a duration .*, got 60/ },
    { name: 'in a watch maxAge', yaml: 'watches:\n  - { id: w, paths: [/x], maxAge: a day }\n', path: 'watches[0].maxAge', message: /expected a duration/ },
    { name: 'in a channel', yaml: 'channels:\n  - { id: c, type: webhook, url: "https://h.example/", timeout: 10 }\n', path: 'channels[0].timeout', message: /expected a duration/ },
    { name: 'in a route', yaml: `${CHANNEL}routes:\n  - { channels: [oncall], groupWait: later }\n`, path: 'routes[0].groupWait', message: /expected a duration/ },
  ])('rejects $name', (c) => expectOneProblem(c));
});

describe('unknown keys', () => {
  it.each<Case>([
    { name: 'at the top level', yaml: 'check: []\n', path: 'check', message: /unknown key/ },
    { name: 'in defaults', yaml: 'defaults: { intervall: 30s }\n', path: 'defaults.intervall', message: /unknown key/ },
    { name: 'in a check', yaml: tcpCheck('retries: 3'), path: 'checks[0].retries', message: /unknown key/ },
    { name: 'of another check type', yaml: tcpCheck('url: "https://example.com/"'), path: 'checks[0].url', message: /unknown key/ },
    { name: 'in expect', yaml: httpCheck('expect: { statusCode: 200 }'), path: 'checks[0].expect.statusCode', message: /unknown key/ },
    { name: 'in a watch', yaml: 'watches:\n  - { id: w, paths: [/x], pattern: x }\n', path: 'watches[0].pattern', message: /unknown key/ },
    { name: 'in a watch threshold', yaml: 'watches:\n  - { id: w, paths: [/x], threshold: { count: 1, within: 1m, per: file } }\n', path: 'watches[0].threshold.per', message: /unknown key/ },
    { name: 'in a channel', yaml: 'channels:\n  - { id: c, type: webhook, url: "https://h.example/", signingKey: x }\n', path: 'channels[0].signingKey', message: /unknown key/ },
    { name: 'in a route', yaml: `${CHANNEL}routes:\n  - { channels: [oncall], receiver: oncall }\n`, path: 'routes[0].receiver', message: /unknown key/ },
  ])('rejects one $name', (c) => expectOneProblem(c));

  it.each([
    ['check: []\n', 'check', 'checks'],
    ['defaults: { intervall: 30s }\n', 'defaults.intervall', 'interval'],
    [tcpCheck('Timeout: 1s'), 'checks[0].Timeout', 'timeout'],
    [httpCheck('expect: { statuses: [200] }'), 'checks[0].expect.statuses', 'status'],
    [`${CHANNEL}routes:\n  - { channels: [oncall], group_by: [check] }\n`, 'routes[0].group_by', 'groupBy'],
  ])('suggests the key a typo was meant to be (%#)', (yaml, path, meant) => {
    expectOneProblem({ name: '', yaml, path, message: new RegExp(`unknown key, did you mean "${meant}"\\?`) });
  });

  it('lists the keys the section accepts when nothing is close', () => {
    expectOneProblem({ name: '', yaml: 'alerts: []\n', path: 'alerts', message: /expected one of: defaults, checks, watches, channels, defaultRoute, routes, inhibitRules, api$/ });
  });

  it('lists the keys of the check type that was written', () => {
    const [problem] = problemsOf(tcpCheck('url: "https://example.com/"'));
    expect(problem?.message).toMatch(/expected one of: .*\bhost, port, send, expect, tls$/);
    expect(problem?.message).not.toMatch(/\burl\b/);
  });
});

describe('types of checks and channels', () => {
  it.each<Case>([
    { name: 'an unknown check type', yaml: 'checks:\n  - { id: a, type: smtp, host: h }\n', path: 'checks[0].type', message: /expected one of "http", "tcp", "dns", "tls", "icmp", "heartbeat"(, "[a-z]+")*, got "smtp"/ },
    { name: 'a check without a type', yaml: 'checks:\n  - { id: a, host: h, port: 1 }\n', path: 'checks[0].type', message: /expected one of "http", "tcp", "dns", "tls", "icmp", "heartbeat"(, "[a-z]+")*, got nothing/ },
    { name: 'an unknown channel type', yaml: 'channels:\n  - { id: c, type: pager, url: "https://h.example/" }\n', path: 'channels[0].type', message: /expected one of "webhook", "slack", .*"log", got "pager"/ },
    { name: 'a check that is not a mapping', yaml: 'checks:\n  - shop-api\n', path: 'checks[0]', message: /expected a mapping, got "shop-api"/ },
    { name: 'a section that is not a list', yaml: 'checks: { id: a }\n', path: 'checks', message: /expected a list, got a mapping/ },
    { name: 'a document that is not a mapping', yaml: '- a\n- b\n', path: '', message: /expected a mapping, got a list/ },
  ])('rejects $name', (c) => expectOneProblem(c));
});

describe('ids', () => {
  const idRule = /expected an id of lowercase letters, digits/;
  it.each<Case>([
    { name: 'with capitals and a space', yaml: 'checks:\n  - { id: Shop API, type: tcp, host: h, port: 1 }\n', path: 'checks[0].id', message: idRule },
    { name: 'starting with a dash', yaml: 'watches:\n  - { id: -w, paths: [/x] }\n', path: 'watches[0].id', message: idRule },
    { name: 'with a colon (BullMQ job ids cannot hold one)', yaml: 'channels:\n  - { id: "team:ops", type: webhook, url: "https://h.example/" }\n', path: 'channels[0].id', message: idRule },
    { name: 'that is a number', yaml: 'checks:\n  - { id: 5, type: tcp, host: h, port: 1 }\n', path: 'checks[0].id', message: /expected a string, got 5/ },
    { name: 'as a region', yaml: tcpCheck('regions: [EU West]'), path: 'checks[0].regions[0]', message: idRule },
  ])('rejects an id $name', (c) => expectOneProblem(c));

  it.each([
    ['checks', 'checks:\n  - { id: a, type: tcp, host: h, port: 1 }\n  - { id: b, type: tcp, host: h, port: 1 }\n  - { id: a, type: tcp, host: h, port: 2 }\n'],
    ['watches', 'watches:\n  - { id: a, paths: [/x] }\n  - { id: b, paths: [/y] }\n  - { id: a, paths: [/z] }\n'],
    ['channels', 'channels:\n  - { id: a, type: webhook, url: "https://h.example/1" }\n  - { id: b, type: webhook, url: "https://h.example/2" }\n  - { id: a, type: webhook, url: "https://h.example/3" }\n'],
  ])('rejects a duplicate id among %s, pointing at the first use', (section, yaml) => {
    expectOneProblem({ name: section, yaml, path: `${section}[2].id`, message: new RegExp(`duplicate id "a" \\(already used by ${section}\\[0\\]\\)`) });
  });

  it('allows the same id in different sections', () => {
    const yaml = `${tcpCheck().replace('id: db', 'id: shared')}watches:\n  - { id: shared, paths: [/x] }\n`;
    expect(parseConfig(yaml, {}).watches[0]?.id).toBe('shared');
  });
});

describe('timings that contradict each other', () => {
  it.each<Case>([
    { name: 'a timeout as long as the interval', yaml: tcpCheck('interval: 10s, timeout: 10s'), path: 'checks[0].timeout', message: /shorter than the interval/ },
    { name: 'a timeout longer than the interval', yaml: tcpCheck('interval: 10s, timeout: 1m'), path: 'checks[0].timeout', message: /shorter than the interval \(60000ms >= 10000ms\)/ },
    { name: 'a short interval against the default timeout', yaml: tcpCheck('interval: 2s'), path: 'checks[0].timeout', message: /5000ms >= 2000ms/ },
    { name: 'a retry interval longer than the interval', yaml: tcpCheck('interval: 10s, retryInterval: 11s'), path: 'checks[0].retryInterval', message: /not be longer than the interval/ },
  ])('rejects $name', (c) => expectOneProblem(c));

  it('accepts a retry interval equal to the interval', () => {
    expect(parseConfig(tcpCheck('interval: 10s, retryInterval: 10s'), {}).checks[0]?.retryIntervalMs).toBe(10_000);
  });
});

describe('routes', () => {
  it('rejects a route to a channel that does not exist, listing the ones that do', () => {
    expectOneProblem({ name: '', yaml: `${CHANNEL}routes:\n  - { channels: [oncall, pager] }\n`, path: 'routes[0].channels[1]', message: /no channel has the id "pager" \(defined: oncall\)/ });
  });

  it('says so when no channel is defined at all', () => {
    expectOneProblem({ name: '', yaml: 'routes:\n  - { channels: [oncall] }\n', path: 'routes[0].channels[0]', message: /defined: none/ });
  });

  it.each<Case>([
    { name: 'a matcher without an operator', yaml: `${CHANNEL}routes:\n  - { channels: [oncall], matchers: [team] }\n`, path: 'routes[0].matchers[0]', message: /expected a matcher like team="db"/ },
    { name: 'a regex matcher that does not compile', yaml: `${CHANNEL}routes:\n  - { channels: [oncall], matchers: ['team=~"(db"'] }\n`, path: 'routes[0].matchers[0]', message: /does not compile/ },
    { name: 'an unknown key in a nested route', yaml: `${CHANNEL}routes:\n  - channels: [oncall]\n    routes:\n      - { recevier: x }\n`, path: 'routes[0].routes[0].recevier', message: /unknown key/ },
    { name: 'an unknown channel in a nested route', yaml: `${CHANNEL}routes:\n  - channels: [oncall]\n    routes:\n      - { channels: [pager] }\n`, path: 'routes[0].routes[0].channels[0]', message: /no channel has the id "pager"/ },
    { name: 'an escalation to an unknown channel', yaml: `${CHANNEL}routes:\n  - { channels: [oncall], escalate: [{ after: 15m, channels: [boss] }] }\n`, path: 'routes[0].escalate[0].channels[0]', message: /no channel has the id "boss"/ },
    { name: 'an escalation without a delay', yaml: `${CHANNEL}routes:\n  - { channels: [oncall], escalate: [{ channels: [oncall] }] }\n`, path: 'routes[0].escalate[0].after', message: /expected a duration/ },
    { name: 'an unknown key in defaultRoute', yaml: 'defaultRoute: { channels: [oncall] }\n', path: 'defaultRoute.channels', message: /unknown key/ },
    { name: 'an inhibit rule without a target', yaml: "inhibitRules:\n  - { source: ['alertname=SiteDown'] }\n", path: 'inhibitRules[0].target', message: /required/ },
    { name: 'an inhibit rule with a bad matcher', yaml: "inhibitRules:\n  - { source: ['alertname'], target: ['a=b'] }\n", path: 'inhibitRules[0].source[0]', message: /expected a matcher/ },
  ])('rejects $name', (c) => expectOneProblem(c));
});

describe('dependsOn', () => {
  it('rejects a dependency on a check that does not exist', () => {
    expectOneProblem({ name: '', yaml: tcpCheck('dependsOn: [gateway]'), path: 'checks[0].dependsOn[0]', message: /no check has the id "gateway"/ });
  });

  it('rejects a check that depends on itself', () => {
    const yaml = tcpCheck('dependsOn: [x]').replace(/id: \w+/, 'id: x');
    expectOneProblem({ name: '', yaml, path: 'checks[0].dependsOn[0]', message: /cannot depend on itself/ });
  });
});

describe('HTTP expectations', () => {
  const statusRule = /expected a status code like 200 or a class like "2xx"/;
  it.each([
    ['600', /got 600$/],
    ['99', /got 99$/],
    ['2.5', /got 2.5$/],
    ['"6xx"', /got "6xx"/],
    ['"2XX"', /got "2XX"/],
    ['"ok"', /got "ok"/],
  ])('rejects the status entry %s', (entry, got) => {
    const [problem] = problemsOf(httpCheck(`expect: { status: [200, ${entry}] }`));
    expect(problem).toMatchObject({ path: 'checks[0].expect.status[1]', message: expect.stringMatching(statusRule) });
    expect(problem?.message).toMatch(got);
  });

  it('rejects an empty status list', () => {
    expectOneProblem({ name: '', yaml: httpCheck('expect: { status: [] }'), path: 'checks[0].expect.status', message: /at least 1 entry/ });
  });

  it('rejects a bodyMatches that is not a regular expression, with the reason', () => {
    expectOneProblem({ name: '', yaml: httpCheck('expect: { bodyMatches: "version (\\\\d+" }'), path: 'checks[0].expect.bodyMatches', message: /expected a regular expression, got "version \(\\\\d\+" \(missing closing \)\)/ });
  });

  it.each([
    ['a key without "$."', 'status', 'checks[0].expect.json.status'],
    ['a key with a space', '"$.a b"', 'checks[0].expect.json["$.a b"]'],
    ['an unclosed index', '"$.items[0"', 'checks[0].expect.json["$.items[0"]'],
  ])('rejects a JSON path with %s, quoting the key in the path', (_, key, path) => {
    expectOneProblem({ name: '', yaml: httpCheck(`expect: { json: { ${key}: UP } }`), path, message: /expected a JSON path like "\$.status"/ });
  });

  it('rejects a JSON expectation that is not a scalar', () => {
    expectOneProblem({ name: '', yaml: httpCheck('expect: { json: { "$.tags": [a] } }'), path: 'checks[0].expect.json["$.tags"]', message: /expected a string, a number, true or false, null or a mapping, got a list/ });
  });

  it.each([
    ['ftp://files.example.com/', /expected an http:\/\/ or https:\/\/ URL, got "ftp:/],
    ['shop.example.com', /expected an http:\/\/ or https:\/\/ URL/],
  ])('rejects the URL %s', (url, message) => {
    expectOneProblem({ name: '', yaml: `checks:\n  - { id: a, type: http, url: "${url}" }\n`, path: 'checks[0].url', message });
  });

  it('rejects an unknown method, listing the known ones', () => {
    expectOneProblem({ name: '', yaml: httpCheck('method: FETCH'), path: 'checks[0].method', message: /expected one of "GET", .*got "FETCH"/ });
  });
});

describe('watches', () => {
  it('rejects a match that is not a regular expression', () => {
    expectOneProblem({ name: '', yaml: 'watches:\n  - { id: w, paths: [/x], match: "ERROR|[FATAL" }\n', path: 'watches[0].match', message: /expected a regular expression, got "ERROR\|\[FATAL"/ });
  });

  it('rejects an empty list of paths', () => {
    expectOneProblem({ name: '', yaml: 'watches:\n  - { id: w, paths: [] }\n', path: 'watches[0].paths', message: /expected at least 1 entry/ });
  });

  it('rejects an unknown event', () => {
    expectOneProblem({ name: '', yaml: 'watches:\n  - { id: w, paths: [/x], on: [modify] }\n', path: 'watches[0].on[0]', message: /expected one of "add", .*got "modify"/ });
  });

  it('rejects a threshold count below 1', () => {
    expectOneProblem({ name: '', yaml: 'watches:\n  - { id: w, paths: [/x], threshold: { count: 0, within: 1m } }\n', path: 'watches[0].threshold.count', message: /at least 1, got 0/ });
  });

  it.each([
    { name: 'a size without a unit it knows', yaml: 'watches:\n  - { id: w, paths: [/x], maxSize: 2 gigs }\n', path: 'watches[0].maxSize', message: /expected a file size like 1048576, "500MB" or "2GiB", at least 1 byte, got "2 gigs"/ },
    { name: 'a zero size', yaml: 'watches:\n  - { id: w, paths: [/x], maxSize: 0 }\n', path: 'watches[0].maxSize', message: /at least 1 byte, got 0/ },
    { name: 'a prediction without a size to reach', yaml: 'watches:\n  - { id: w, paths: [/x], predictWithin: 1d }\n', path: 'watches[0].predictWithin', message: /predictWithin needs maxSize/ },
    { name: 'a negative depth', yaml: 'watches:\n  - { id: w, paths: [/x], recursive: true, depth: -1 }\n', path: 'watches[0].depth', message: /a depth from 0 to 1000/ },
    { name: 'a settle time that is not a duration', yaml: 'watches:\n  - { id: w, paths: [/x], settle: soon }\n', path: 'watches[0].settle', message: /expected a duration/ },
    { name: 'a line length too short to match on', yaml: 'watches:\n  - { id: w, paths: [/x], match: E, maxLineLength: 4 }\n', path: 'watches[0].maxLineLength', message: /line length from 16/ },
  ])('rejects $name', expectOneProblem);
});

describe('label names', () => {
  const labelRule = /expected a label name like "team", got "service-name"/;
  it.each<Case>([
    { name: 'of a check', yaml: tcpCheck('labels: { service-name: db }'), path: 'checks[0].labels.service-name', message: labelRule },
    { name: 'of a watch', yaml: 'watches:\n  - { id: w, paths: [/x], labels: { service-name: x } }\n', path: 'watches[0].labels.service-name', message: labelRule },
    { name: 'in a route match', yaml: `${CHANNEL}routes:\n  - { match: { service-name: db }, channels: [oncall] }\n`, path: 'routes[0].match.service-name', message: labelRule },
    { name: 'in a route groupBy', yaml: `${CHANNEL}routes:\n  - { channels: [oncall], groupBy: [service-name] }\n`, path: 'routes[0].groupBy[0]', message: labelRule },
  ])('rejects a bad label name $name', (c) => expectOneProblem(c));

  it('rejects a label value that is a list', () => {
    expectOneProblem({ name: '', yaml: tcpCheck('labels: { team: [a, b] }'), path: 'checks[0].labels.team', message: /expected a string, a number or true or false, got a list/ });
  });
});

describe('ports', () => {
  it.each([
    ['0', /got 0$/],
    ['65536', /got 65536$/],
    ['-1', /got -1$/],
    ['1.5', /got 1.5$/],
    ['postgres', /got "postgres"/],
  ])('rejects the port %s', (port, got) => {
    const yaml = `checks:\n  - { id: db, type: tcp, host: db.internal, port: ${port} }\n`;
    const [problem] = problemsOf(yaml);
    expect(problem).toMatchObject({ path: 'checks[0].port', message: expect.stringMatching(/65535/) });
    expect(problem?.message).toMatch(got);
  });
});

describe('required fields', () => {
  it.each<Case>([
    { name: 'url of an HTTP check', yaml: 'checks:\n  - { id: a, type: http }\n', path: 'checks[0].url', message: /required|expected/ },
    { name: 'host of a TCP check', yaml: 'checks:\n  - { id: a, type: tcp, port: 1 }\n', path: 'checks[0].host', message: /required/ },
    { name: 'port of a TCP check', yaml: 'checks:\n  - { id: a, type: tcp, host: h }\n', path: 'checks[0].port', message: /required|got nothing/ },
    { name: 'name of a DNS check', yaml: 'checks:\n  - { id: a, type: dns }\n', path: 'checks[0].name', message: /required/ },
    { name: 'id of a check', yaml: 'checks:\n  - { type: tcp, host: h, port: 1 }\n', path: 'checks[0].id', message: /required/ },
    { name: 'paths of a watch', yaml: 'watches:\n  - { id: w }\n', path: 'watches[0].paths', message: /required \(expected a list\)/ },
    { name: 'url of a channel', yaml: 'channels:\n  - { id: c, type: webhook }\n', path: 'channels[0].url', message: /required|expected/ },
    { name: 'channels of a route', yaml: 'routes:\n  - { match: { team: shop } }\n', path: 'routes[0].channels', message: /a route needs channels, or a parent route that has them/ },
  ])('rejects a missing $name', (c) => expectOneProblem(c));

  it('rejects an empty host', () => {
    expectOneProblem({ name: '', yaml: 'checks:\n  - { id: a, type: tcp, host: "", port: 1 }\n', path: 'checks[0].host', message: /non-empty/ });
  });
});

describe('several problems', () => {
  const yaml = `checks:
  - id: shop-api
    type: http
    url: https://shop.example.com/
    interval: thirty
    expect:
      status: [200, 700]
  - id: db
    type: tcp
    host: db.internal
watches:
  - id: logs
    paths: []
    bogus: true
`;

  it('are all reported at once, each with its line', () => {
    expect(problemsOf(yaml)).toEqual(expect.arrayContaining([
      expect.objectContaining({ path: 'checks[0].interval', line: 5 }),
      expect.objectContaining({ path: 'checks[0].expect.status[1]', line: 7 }),
      expect.objectContaining({ path: 'watches[0].paths', line: 13 }),
      expect.objectContaining({ path: 'watches[0].bogus', line: 14 }),
    ]));
  });

  it('place a missing field on the line of the item that lacks it', () => {
    expect(problemsOf(yaml)).toContainEqual(expect.objectContaining({ path: 'checks[1].port', line: 8 }));
  });

  it('every one has a line number', () => {
    expect(problemsOf(yaml).filter((problem) => problem.line === undefined)).toEqual([]);
  });

  it('are listed one per line in the error message, with path and line', () => {
    expect(configErrorOf(yaml, {}, 'vigil.yaml').message.split('\n')).toEqual(expect.arrayContaining([
      'vigil.yaml: invalid configuration',
      '  checks[0].interval: expected a duration like "30s", got "thirty" (line 5)',
    ]));
  });

  it('of cross-section rules are reported together too', () => {
    const crossed = `${tcpCheck('interval: 1s')}routes:\n  - { channels: [nowhere] }\n`;
    expect(problemsOf(crossed).map((problem) => problem.path)).toEqual(['checks[0].timeout', 'routes[0].channels[0]']);
  });
});

describe('invalid YAML', () => {
  it('is reported with the line of the syntax error', () => {
    const problems = problemsOf('checks:\n  - id: a\n    type: tcp\n   host: [unclosed\n');
    expect(problems[0]).toMatchObject({ path: '', message: expect.stringMatching(/^not valid YAML: /), line: expect.any(Number) });
  });

  it('points at the line of an unclosed flow mapping', () => {
    expect(problemsOf('checks: [\n  {id: a\n')[0]).toMatchObject({ message: expect.stringMatching(/not valid YAML/), line: 3 });
  });

  it('includes a key written twice, at its second occurrence', () => {
    expect(problemsOf('checks: []\nwatches: []\nchecks: []\n')).toEqual([expect.objectContaining({ message: expect.stringMatching(/not valid YAML: .*unique/), line: 3 })]);
  });
});
