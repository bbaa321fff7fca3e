import { describe, expect, it } from 'vitest';
import { apiRoutes } from '../../../services/api/server.js';
import { apiHarness } from './support.js';

describe('GET /openapi.json', () => {
  const harness = apiHarness();
  const routes = apiRoutes({ redis: undefined as never, config: () => { throw new Error('not called'); }, now: () => new Date(), results: undefined as never }, () => '');

  it('is an OpenAPI 3 document', async () => {
    const api = await harness.start();
    const { status, body } = await api.call('GET', '/openapi.json');
    expect(status).toBe(200);
    expect(body).toMatchObject({ openapi: expect.stringMatching(/^3\./), info: { title: 'Vigil API' }, components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } } });
  });

  it('lists every route the server serves, with its method', async () => {
    const api = await harness.start();
    const { body } = await api.call('GET', '/openapi.json');
    const documented = Object.entries(body.paths as Record<string, Record<string, unknown>>).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual(routes.map((route) => `${route.method} /api/v1${route.path.replace(/:(\w+)/g, '{$1}')}`).sort());
    expect(documented).toEqual(expect.arrayContaining([
      'GET /api/v1/checks', 'GET /api/v1/checks/{id}', 'GET /api/v1/watches', 'GET /api/v1/alerts', 'POST /api/v1/alerts/{fingerprint}/ack',
      'GET /api/v1/silences', 'POST /api/v1/silences', 'DELETE /api/v1/silences/{id}', 'GET /api/v1/maintenance', 'GET /api/v1/deliveries/{channel}',
      'GET /api/v1/config', 'GET /api/v1/openapi.json',
    ]));
  });

  it('describes a request body from the zod schema that validates it', async () => {
    const api = await harness.start();
    const { body } = await api.call('GET', '/openapi.json');
    const schema = body.paths['/api/v1/silences'].post.requestBody.content['application/json'].schema;
    expect(schema).toMatchObject({ type: 'object', required: expect.arrayContaining(['matchers', 'createdBy', 'comment']), properties: { matchers: { type: 'array', minItems: 1 } } });
  });

  it('documents the path and query parameters', async () => {
    const api = await harness.start();
    const { body } = await api.call('GET', '/openapi.json');
    expect(body.paths['/api/v1/checks/{id}'].get.parameters).toEqual([
      expect.objectContaining({ name: 'id', in: 'path', required: true }),
      expect.objectContaining({ name: 'limit', in: 'query', required: false }),
    ]);
  });

  it('documents 401 on reads and 403 on writes', async () => {
    const api = await harness.start();
    const { body } = await api.call('GET', '/openapi.json');
    expect(Object.keys(body.paths['/api/v1/alerts'].get.responses)).toContain('401');
    expect(Object.keys(body.paths['/api/v1/silences'].post.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403']));
  });

  it('resolves every $ref to a schema in components', async () => {
    const api = await harness.start();
    const { body } = await api.call('GET', '/openapi.json');
    const refs = [...JSON.stringify(body).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((match) => match[1]!);
    expect(refs.length).toBeGreaterThan(0);
    for (const name of new Set(refs)) expect(body.components.schemas, name).toHaveProperty(name);
  });
});
