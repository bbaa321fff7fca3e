import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../libs/config/index.js';
import { authorize, bearerToken, knownTokens, type Access } from '../../../services/api/auth.js';
import { ADMIN_TOKEN, apiHarness, READ_TOKEN, TOKENS_YAML } from './support.js';

describe('who may call what (pure)', () => {
  const tokens = knownTokens(parseConfig(TOKENS_YAML, { ADMIN: ADMIN_TOKEN, READER: READ_TOKEN }).api);
  const header = (token: string | undefined) => (token === undefined ? undefined : `Bearer ${token}`);

  it.each<{ need: Access; token: string | undefined; publicRead: boolean; outcome: true | 401 | 403 }>([
    { need: 'public', token: undefined, publicRead: false, outcome: true },
    { need: 'read', token: undefined, publicRead: false, outcome: 401 },
    { need: 'read', token: 'not-the-token-at-all-nope', publicRead: false, outcome: 401 },
    { need: 'read', token: READ_TOKEN, publicRead: false, outcome: true },
    { need: 'read', token: ADMIN_TOKEN, publicRead: false, outcome: true },
    { need: 'read', token: undefined, publicRead: true, outcome: true },
    { need: 'admin', token: READ_TOKEN, publicRead: false, outcome: 403 },
    { need: 'admin', token: ADMIN_TOKEN, publicRead: false, outcome: true },
    { need: 'admin', token: undefined, publicRead: true, outcome: 401 },
    { need: 'admin', token: READ_TOKEN, publicRead: true, outcome: 403 },
    { need: 'admin', token: `${ADMIN_TOKEN}x`, publicRead: false, outcome: 401 },
  ])('$need with token $token and publicRead $publicRead: $outcome', ({ need, token, publicRead, outcome }) => {
    const decision = authorize(need, header(token), publicRead, tokens);
    expect(decision.allowed ? true : decision.status).toBe(outcome);
  });

  it.each([
    { header: 'Bearer abc', token: 'abc' },
    { header: 'bearer abc', token: 'abc' },
    { header: 'Basic abc', token: undefined },
    { header: 'Bearer', token: undefined },
    { header: 'Bearer a b', token: undefined },
  ])('reads the token of "$header" as $token', ({ header: text, token }) => {
    expect(bearerToken(text)).toBe(token);
  });

  it('names the token that was used', () => {
    expect(authorize('admin', header(ADMIN_TOKEN), false, tokens)).toEqual({ allowed: true, tokenId: 'ops' });
  });
});

describe('token auth over HTTP', () => {
  const harness = apiHarness();

  it('answers 401 with a Bearer challenge to a request without a token', async () => {
    const api = await harness.start();
    const answer = await api.call('GET', '/alerts', { token: null });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(answer.body).toMatchObject({ code: 'VIGIL_API_UNAUTHORIZED', message: expect.stringMatching(/bearer token/) });
  });

  it('answers 401 to a wrong token', async () => {
    const api = await harness.start();
    const answer = await api.call('GET', '/alerts', { token: 'f'.repeat(32) });
    expect(answer).toMatchObject({ status: 401, body: { code: 'VIGIL_API_UNAUTHORIZED' } });
  });

  it('lets a read token read', async () => {
    const api = await harness.start();
    expect((await api.call('GET', '/alerts', { token: READ_TOKEN })).status).toBe(200);
  });

  it('answers 403 to a read token on a write, naming the token', async () => {
    const api = await harness.start();
    const answer = await api.call('POST', '/silences', { token: READ_TOKEN, body: { matchers: ['check=web'], duration: '1h', createdBy: 'me', comment: 'x' } });
    expect(answer).toMatchObject({ status: 403, body: { code: 'VIGIL_API_FORBIDDEN', message: expect.stringMatching(/"board" is read-only/) } });
  });

  it('checks the token before the body: a bad body without a token is a 401', async () => {
    const api = await harness.start();
    expect((await api.call('POST', '/silences', { token: null, body: { nonsense: true } })).status).toBe(401);
  });

  it('with publicRead, answers reads without a token', async () => {
    const api = await harness.start('api:\n  publicRead: true\n');
    expect((await api.call('GET', '/checks', { token: null })).status).toBe(200);
  });

  it('with publicRead, still needs an admin token to write', async () => {
    const api = await harness.start('api:\n  publicRead: true\n');
    expect((await api.call('DELETE', `/silences/${'0'.repeat(32)}`, { token: null })).status).toBe(401);
  });

  it('serves the OpenAPI document without a token', async () => {
    const api = await harness.start();
    expect((await api.call('GET', '/openapi.json', { token: null })).status).toBe(200);
  });

  it('follows a reloaded configuration: a removed token stops working', async () => {
    const api = await harness.start();
    expect((await api.call('GET', '/alerts', { token: READ_TOKEN })).status).toBe(200);
    api.reload(`api:\n  tokens:\n    - { id: ops, token: "${ADMIN_TOKEN}", scope: admin }\n`);
    expect((await api.call('GET', '/alerts', { token: READ_TOKEN })).status).toBe(401);
  });
});
