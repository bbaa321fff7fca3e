/**
 * `${NAME}` and `${NAME:-fallback}` keep secrets in the environment. They are expanded in
 * string values after the YAML is parsed, so a value can never add keys or items.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../libs/config/index.js';
import { problemsOf } from './support.js';

const channel = (url: string): string => `channels:\n  - { id: c, type: webhook, url: "${url}" }\n`;
const urlOf = (yaml: string, env: NodeJS.ProcessEnv): string | undefined => (parseConfig(yaml, env).channels[0] as { url?: string } | undefined)?.url;

describe('environment references', () => {
  it('are replaced by the variable', () => {
    expect(urlOf(channel('${HOOK}'), { HOOK: 'https://hooks.example.com/a' })).toBe('https://hooks.example.com/a');
  });

  it('can be part of a longer string, more than once', () => {
    expect(urlOf(channel('https://${HOST}/hooks/${TOKEN}'), { HOST: 'h.example', TOKEN: 's3cret' })).toBe('https://h.example/hooks/s3cret');
  });

  it('are expanded inside lists and nested mappings', () => {
    const yaml = 'checks:\n  - { id: a, type: http, url: "https://x.example/", headers: { Authorization: "Bearer ${TOKEN}" }, regions: ["${REGION}"] }\n';
    expect(parseConfig(yaml, { TOKEN: 't', REGION: 'eu' }).checks[0]).toMatchObject({ headers: { Authorization: 'Bearer t' }, regions: ['eu'] });
  });

  it('fail when the variable is not set, naming it and where it is used', () => {
    expect(problemsOf(channel('${NOPE}'))).toEqual([{
      path: 'channels[0].url',
      message: expect.stringMatching(/environment variable NOPE is not set/),
      line: 2,
    }]);
  });

  it('fail for every unset variable, not only the first', () => {
    expect(problemsOf(channel('https://${HOST}/${TOKEN}')).map((p) => p.message)).toEqual([
      expect.stringContaining('HOST'),
      expect.stringContaining('TOKEN'),
    ]);
  });

  it('treat an empty variable as unset', () => {
    expect(problemsOf(channel('${HOOK}'), { HOOK: '' })).toHaveLength(1);
  });
});

describe('fallbacks', () => {
  it('are used when the variable is not set', () => {
    expect(urlOf(channel('${NOPE:-https://fallback.example/}'), {})).toBe('https://fallback.example/');
  });

  it('are used when the variable is empty', () => {
    expect(urlOf(channel('${HOOK:-https://fallback.example/}'), { HOOK: '' })).toBe('https://fallback.example/');
  });

  it('lose to a variable that is set', () => {
    expect(urlOf(channel('${HOOK:-https://fallback.example/}'), { HOOK: 'https://set.example/' })).toBe('https://set.example/');
  });

  it('may be empty', () => {
    expect(parseConfig('checks:\n  - { id: a, type: tcp, host: db, port: 1, description: "${NOPE:-}" }\n', {}).checks[0]?.description).toBe('');
  });
});

describe('a value from the environment', () => {
  it('never alters the YAML structure', () => {
    const injected = 'shop\nwatches:\n  - { id: evil, paths: [/] }\nchecks:\n  - { id: evil, type: tcp, host: h, port: 1 }';
    const config = parseConfig('checks:\n  - { id: a, type: tcp, host: h, port: 1, description: "${DESC}" }\n', { DESC: injected });
    // The whole text, newlines and all, is the one description; nothing is added.
    expect(config.checks.map((check) => check.id)).toEqual(['a']);
    expect(config.watches).toEqual([]);
    expect(config.checks[0]?.description).toBe(injected);
  });

  it('that looks like a YAML mapping stays a string', () => {
    const yaml = 'checks:\n  - { id: a, type: tcp, host: "${HOST}", port: 1 }\n';
    expect(parseConfig(yaml, { HOST: '{ port: 2 }' }).checks[0]).toMatchObject({ host: '{ port: 2 }', port: 1 });
  });

  it('that closes a flow mapping stays inside the string', () => {
    expect(urlOf(channel('https://x.example/${SUFFIX}'), { SUFFIX: '",id:other}' })).toBe('https://x.example/",id:other}');
  });

  it('that hides a line break in a URL is refused, not silently dropped', () => {
    expect(problemsOf(channel('https://x.example/${SUFFIX}'), { SUFFIX: 'a\nchecks: []' })[0]).toMatchObject({ path: 'channels[0].url', message: expect.stringContaining('without spaces or line breaks') });
  });

  it('is not expanded in keys', () => {
    expect(problemsOf('checks:\n  - { id: a, type: tcp, host: h, port: 1, labels: { "${KEY}": x } }\n', { KEY: 'team' })[0]).toMatchObject({
      path: 'checks[0].labels["${KEY}"]',
    });
  });
});
