/** The `api` section: bearer tokens with scopes, strong enough, and public reads. */
import { describe, expect, it } from 'vitest';
import { parseConfig, tokenBits } from '../../../libs/config/index.js';
import { problemsOf } from './support.js';

const HEX_TOKEN = 'ab'.repeat(16);

function apiWith(tokenLine: string): string {
  return `api:\n  tokens:\n    - ${tokenLine}\n`;
}

describe('the api section', () => {
  it('defaults to no tokens and reads that need one', () => {
    expect(parseConfig('checks: []\n', {}).api).toEqual({ tokens: [], publicRead: false });
  });

  it('takes a token from the environment with its scope', () => {
    const config = parseConfig(`${apiWith('{ id: admin, token: "${API_ADMIN_TOKEN}", scope: admin }')}  publicRead: true\n`, { API_ADMIN_TOKEN: HEX_TOKEN });
    expect(config.api).toEqual({ tokens: [{ id: 'admin', token: HEX_TOKEN, scope: 'admin' }], publicRead: true });
  });

  it.each([
    { name: '31 hex digits (124 bits)', token: 'a'.repeat(31) },
    { name: '21 base64url characters (126 bits)', token: 'Q'.repeat(21) },
    { name: 'a short password', token: 'hunter2' },
  ])('rejects a token under 128 bits: $name', ({ token }) => {
    const problems = problemsOf(apiWith('{ id: admin, token: "${T}", scope: admin }'), { T: token });
    expect(problems).toEqual([expect.objectContaining({ path: 'api.tokens[0].token', message: expect.stringMatching(/at least 128 bits/) })]);
  });

  it('never shows the rejected token in the message', () => {
    const [problem] = problemsOf(apiWith('{ id: admin, token: "${T}", scope: admin }'), { T: 'hunter2-secret' });
    expect(problem?.message).not.toContain('hunter2');
  });

  it('rejects a token with characters of neither hex nor base64url', () => {
    const problems = problemsOf(apiWith('{ id: admin, token: "${T}", scope: admin }'), { T: `${'x'.repeat(30)} !` });
    expect(problems).toEqual([expect.objectContaining({ path: 'api.tokens[0].token', message: expect.stringMatching(/hex or base64url/) })]);
  });

  it('rejects an unknown scope', () => {
    const problems = problemsOf(apiWith(`{ id: admin, token: "${HEX_TOKEN}", scope: write }`));
    expect(problems).toEqual([expect.objectContaining({ path: 'api.tokens[0].scope', message: expect.stringMatching(/"read", "admin"/) })]);
  });

  it('rejects a token whose variable is not set', () => {
    const problems = problemsOf(apiWith('{ id: admin, token: "${API_ADMIN_TOKEN}", scope: admin }'));
    expect(problems).toEqual([expect.objectContaining({ path: 'api.tokens[0].token', message: expect.stringMatching(/API_ADMIN_TOKEN is not set/) })]);
  });

  it('rejects two tokens with the same id', () => {
    const text = `api:\n  tokens:\n    - { id: ci, token: "${HEX_TOKEN}", scope: read }\n    - { id: ci, token: "${'cd'.repeat(16)}", scope: admin }\n`;
    expect(problemsOf(text)).toEqual([expect.objectContaining({ path: 'api.tokens[1].id', message: expect.stringMatching(/used twice/) })]);
  });

  it('rejects one token given twice', () => {
    const text = `api:\n  tokens:\n    - { id: ci, token: "${HEX_TOKEN}", scope: read }\n    - { id: ops, token: "${HEX_TOKEN}", scope: admin }\n`;
    expect(problemsOf(text)).toEqual([expect.objectContaining({ path: 'api.tokens[1].token', message: expect.stringMatching(/given twice/) })]);
  });

  it('names the known key for a misspelt one', () => {
    expect(problemsOf('api:\n  publicread: true\n')).toEqual([expect.objectContaining({ path: 'api.publicread', message: expect.stringMatching(/did you mean "publicRead"/) })]);
  });

  it.each([
    { token: 'a'.repeat(32), bits: 128 },
    { token: 'Q'.repeat(22), bits: 132 },
    { token: `${'Q'.repeat(22)}==`, bits: 132 },
    { token: 'not a token', bits: undefined },
  ])('counts $bits bits in a $token.length-character token', ({ token, bits }) => {
    expect(tokenBits(token)).toBe(bits);
  });
});
