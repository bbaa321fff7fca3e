import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, configPathFrom, formatProblem, loadConfigFile } from '../../../libs/config/index.js';
import { formatPath, parsePath } from '../../../libs/config/errors.js';
import { fixturePath } from './support.js';

describe('loadConfigFile', () => {
  it('reads and validates a file with the given environment', () => {
    const config = loadConfigFile(fixturePath('issue-example.yaml'), { ONCALL_WEBHOOK_URL: 'https://hooks.example.com/x' });
    expect([config.checks.length, config.watches.length, config.channels.length, config.routes.length]).toEqual([3, 3, 1, 1]);
  });

  it('names the file in the error', () => {
    const file = fixturePath('issue-example.yaml');
    expect(() => loadConfigFile(file, {})).toThrow(expect.objectContaining({ source: file, message: expect.stringContaining(file) }));
  });

  it('rejects a file it cannot read, with the reason', () => {
    const file = fixturePath('does-not-exist.yaml');
    expect(() => loadConfigFile(file, {})).toThrow(ConfigError);
    expect(() => loadConfigFile(file, {})).toThrow(/cannot read the file \(ENOENT\)/);
  });
});

describe('configPathFrom', () => {
  it.each([
    ['--config wins over VIGIL_CONFIG', ['--config', 'a.yaml'], { VIGIL_CONFIG: 'b.yaml' }, 'a.yaml'],
    ['VIGIL_CONFIG when there is no flag', [], { VIGIL_CONFIG: 'b.yaml' }, 'b.yaml'],
    ['./vigil.yaml otherwise', [], {}, 'vigil.yaml'],
  ])('picks %s', (_, argv, env, expected) => {
    expect(configPathFrom(argv, env)).toBe(resolve(expected));
  });
});

describe('formatProblem', () => {
  it.each([
    [{ path: 'checks[2].interval', message: 'expected a duration like "30s", got "thirty"', line: 14 }, 'checks[2].interval: expected a duration like "30s", got "thirty" (line 14)'],
    [{ path: 'checks', message: 'expected a list, got null' }, 'checks: expected a list, got null'],
    [{ path: '', message: 'not valid YAML: x', line: 3 }, '(top level): not valid YAML: x (line 3)'],
  ])('writes %j as one line', (problem, text) => {
    expect(formatProblem(problem)).toBe(text);
  });
});

describe('problem paths', () => {
  it.each([
    [['checks', 2, 'interval'], 'checks[2].interval'],
    [['checks', 0, 'labels', 'service-name'], 'checks[0].labels.service-name'],
    [['checks', 0, 'expect', 'json', '$.items[0].id'], 'checks[0].expect.json["$.items[0].id"]'],
    [['routes', 1, 'match', 'a b'], 'routes[1].match["a b"]'],
    [[], ''],
  ])('format %j as %j and parse back', (segments, text) => {
    expect(formatPath(segments)).toBe(text);
    expect(parsePath(text)).toEqual(segments);
  });
});
