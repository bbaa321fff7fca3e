import { describe, expect, it } from 'vitest';
import { formatMatchers, MatcherSyntaxError, matchesAll, parseMatcher, parseMatchers } from '../../../libs/alerts/matchers.js';

describe('parsing label matchers', () => {
  it.each([
    { text: 'team=db', expected: { name: 'team', operator: '=', value: 'db' } },
    { text: 'team = "db"', expected: { name: 'team', operator: '=', value: 'db' } },
    { text: 'team!=infra', expected: { name: 'team', operator: '!=', value: 'infra' } },
    { text: 'severity=~"critical|page"', expected: { name: 'severity', operator: '=~', value: 'critical|page' } },
    { text: 'env!~"dev|test"', expected: { name: 'env', operator: '!~', value: 'dev|test' } },
    { text: 'msg="a \\"quoted\\", comma"', expected: { name: 'msg', operator: '=', value: 'a "quoted", comma' } },
    { text: 'team=', expected: { name: 'team', operator: '=', value: '' } },
  ])('reads $text', ({ text, expected }) => {
    expect(parseMatcher(text)).toEqual(expected);
  });

  it.each([
    { text: 'team', problem: /expected a matcher like/ },
    { text: '1team=db', problem: /expected a matcher like/ },
    { text: 'team=="db"', problem: /"quoted"/ },
    { text: 'team="db', problem: /closed "quoted" value/ },
    { text: 'team=~"(unclosed"', problem: /does not compile/ },
    { text: 'team=~"(?=lookahead)"', problem: /does not compile/ },
  ])('refuses $text, saying why', ({ text, problem }) => {
    expect(() => parseMatcher(text)).toThrow(MatcherSyntaxError);
    expect(() => parseMatcher(text)).toThrow(problem);
  });

  it('reads a set in braces or bare, with commas inside quotes kept', () => {
    expect(parseMatchers('{team="db", severity=~"critical|page"}')).toEqual([
      { name: 'team', operator: '=', value: 'db' },
      { name: 'severity', operator: '=~', value: 'critical|page' },
    ]);
    expect(parseMatchers('a="x,y",b!=z')).toEqual([{ name: 'a', operator: '=', value: 'x,y' }, { name: 'b', operator: '!=', value: 'z' }]);
    expect(parseMatchers('{}')).toEqual([]);
  });

  it('writes a set back in the form it reads', () => {
    const text = formatMatchers(parseMatchers('team=db, severity=~"critical|page"'));
    expect(text).toBe('{team="db", severity=~"critical|page"}');
    expect(parseMatchers(text)).toEqual(parseMatchers('team=db, severity=~"critical|page"'));
  });
});

describe('matching alerts', () => {
  const labels = { alertname: 'CheckDown', team: 'db', severity: 'critical' };
  it.each([
    { matchers: 'team=db', matches: true },
    { matchers: 'team=web', matches: false },
    { matchers: 'team!=infra', matches: true },
    { matchers: 'owner!=infra', matches: true },
    { matchers: 'owner=""', matches: true },
    { matchers: 'owner=~".+"', matches: false },
    { matchers: 'severity=~"critical|page"', matches: true },
    { matchers: 'severity=~"crit"', matches: false },
    { matchers: 'severity!~"warn.*"', matches: true },
    { matchers: 'team=db, severity=warning', matches: false },
    { matchers: '', matches: true },
  ])('$matchers → $matches', ({ matchers, matches }) => {
    expect(matchesAll(parseMatchers(matchers), labels)).toBe(matches);
  });
});
