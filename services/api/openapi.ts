import { z } from 'zod';
import { API_PREFIX, errorBody, type AnyRoute } from './route.js';

/**
 * The OpenAPI 3.0 document, made from the same route list and zod schemas that validate the
 * requests (zod 4's own toJSONSchema), so it cannot describe an API other than the one served.
 * Schemas named with `.meta({ id })` become components.
 */
type JsonSchema = Record<string, unknown>;

const ERROR_TEXTS: Record<number, string> = {
  400: 'The request is not valid: `problems` names each field and why',
  401: 'No bearer token, or one that is not configured',
  403: 'The token is read-only and this endpoint writes',
  404: 'No such thing',
  409: 'It is already in that state',
  503: 'InfluxDB, where probe results are stored, is not configured or does not answer',
};

class Components {
  readonly schemas: Record<string, JsonSchema> = {};

  /** One schema in the document, its named parts moved to components. */
  add(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
    const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as JsonSchema;
    const { definitions, ...rest } = JSON.parse(JSON.stringify(json).replaceAll('"#/definitions/', '"#/components/schemas/')) as JsonSchema & { definitions?: Record<string, JsonSchema> };
    Object.assign(this.schemas, definitions ?? {});
    delete rest.$schema;
    return rest;
  }
}

function parameters(components: Components, schema: z.ZodType | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (schema === undefined) return [];
  const json = components.add(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name, in: where, required: where === 'path' || (json.required ?? []).includes(name), schema: property,
  }));
}

function operation(route: AnyRoute, components: Components): JsonSchema {
  const takesInput = route.params !== undefined || route.query !== undefined || route.body !== undefined;
  const errors = [...(takesInput ? [400] : []), ...(route.access === 'public' ? [] : [401]), ...(route.access === 'admin' || route.access === 'ingest' ? [403] : []), ...(route.errors ?? [])];
  const errorRef = { $ref: '#/components/schemas/Error' };
  return {
    summary: route.summary,
    operationId: `${route.method.toLowerCase()}${route.path.replace(/\/:?([a-z]+)/g, (_, word: string) => word[0]!.toUpperCase() + word.slice(1))}`,
    ...(route.access === 'public' ? { security: [] } : {}),
    ...(route.access === 'admin' ? { description: 'Needs an admin token.' } : {}),
    ...(route.access === 'ingest' ? { description: 'Needs an ingest or admin token.' } : {}),
    parameters: [...parameters(components, route.params, 'path'), ...parameters(components, route.query, 'query')],
    ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: components.add(route.body, 'input') } } } } : {}),
    responses: {
      [String(route.status ?? 200)]: { description: 'Success', content: { 'application/json': { schema: components.add(route.response, 'output') } } },
      ...Object.fromEntries(errors.map((status) => [String(status), { description: ERROR_TEXTS[status], content: { 'application/json': { schema: errorRef } } }])),
    },
  };
}

export function openApiDocument(routes: readonly AnyRoute[], version: string): JsonSchema {
  const components = new Components();
  // Nested, so the named Error schema lands in components like every other named schema.
  components.add(z.object({ error: errorBody }), 'output');
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const path = `${API_PREFIX}${route.path.replace(/:([A-Za-z]+)/g, '{$1}')}`;
    (paths[path] ??= {})[route.method.toLowerCase()] = operation(route, components);
  }
  return {
    openapi: '3.0.3',
    info: { title: 'Vigil API', version, description: 'Checks, watches and alerts of a Vigil installation. Bearer tokens come from the configuration\'s `api` section.' },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }],
    paths,
    components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } }, schemas: components.schemas },
  };
}
