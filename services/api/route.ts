import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Access } from './auth.js';

/**
 * One endpoint, described once: its zod schemas validate the request (through fastify's
 * validator compiler) and, with the response schema, make its part of the OpenAPI document
 * (openapi.ts). Handlers get parsed input and return the response body.
 */
type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteInput<P, Q, B> {
  params: Parsed<P>;
  query: Parsed<Q>;
  body: Parsed<B>;
  /** The id of the token that made the request, when one did. */
  tokenId?: string;
}

export interface ApiRoute<P = unknown, Q = unknown, B = unknown, R extends z.ZodType = z.ZodType> {
  method: 'GET' | 'POST' | 'DELETE';
  /** Under /api/v1, in fastify's syntax (`/checks/:id`). */
  path: string;
  summary: string;
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  response: R;
  /** A larger body than the server's default (a batch of pushed results). */
  bodyLimitBytes?: number;
  /** The status of a successful answer; 200 unless it creates something. */
  status?: 200 | 201 | 202;
  /** The error statuses this endpoint answers with besides 400/401/403, for the document. */
  errors?: ReadonlyArray<404 | 409 | 503>;
  /** The answer; a JsonText when it is already serialized (a shared, cached list). */
  handler(input: RouteInput<P, Q, B>): Promise<z.output<R> | JsonText>;
}

/** A body serialized once and sent as is to every request sharing it, not serialized again per request. */
export class JsonText {
  constructor(readonly text: string) {}
}

/** Any route, for the lists that register and document them. */
export type AnyRoute = ApiRoute<z.ZodType | undefined, z.ZodType | undefined, z.ZodType | undefined, z.ZodType>;

/** Keeps the types of a route's schemas for its handler, and forgets them for the route list. */
export function defineRoute<P extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined, R extends z.ZodType = z.ZodType>(route: ApiRoute<P, Q, B, R>): AnyRoute {
  return route as unknown as AnyRoute;
}

export const API_PREFIX = '/api/v1';

export type ApiErrorCode = 'VIGIL_API_INVALID' | 'VIGIL_API_NOT_FOUND' | 'VIGIL_API_CONFLICT' | 'VIGIL_API_UNAUTHORIZED' | 'VIGIL_API_FORBIDDEN' | 'VIGIL_API_INTERNAL' | 'VIGIL_API_METRICS_UNAVAILABLE';

export interface Problem {
  /** Where: `body.matchers[0].name`, `params.id`, `query.limit`. */
  field: string;
  reason: string;
}

/** An answer other than success; `code` is stable, the message is for people. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(readonly status: number, readonly code: ApiErrorCode, message: string, readonly problems: Problem[] = []) {
    super(message);
  }
}

export const notFound = (message: string): ApiError => new ApiError(404, 'VIGIL_API_NOT_FOUND', message);
export const invalid = (field: string, reason: string): ApiError => new ApiError(400, 'VIGIL_API_INVALID', `${field}: ${reason}`, [{ field, reason }]);

/** Every answer other than success: `problems` when the request was invalid. */
export const errorBody = z.object({
  code: z.string(),
  message: z.string(),
  problems: z.array(z.object({ field: z.string(), reason: z.string() })).optional(),
}).meta({ id: 'Error' });

const PART_NAMES: Record<string, string> = { body: 'body', params: 'params', querystring: 'query', headers: 'headers' };

/** fastify's request parts, as the problems name them. */
function partName(httpPart: string | undefined): string {
  return PART_NAMES[httpPart ?? ''] ?? httpPart ?? 'request';
}

/** `body.matchers[0].name`: the part, then the issue's path, list indexes in brackets. */
function fieldOf(part: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((field, segment) => (typeof segment === 'number' ? `${field}[${segment}]` : `${field}.${String(segment)}`), part);
}

export function problemsOf(error: z.ZodError, part: string): Problem[] {
  return error.issues.map((issue) => ({ field: fieldOf(part, issue.path), reason: issue.message }));
}

/** zod validates every request part a route declares; its parsed output (defaults, transforms) is what the handler gets. */
export function useZodValidation(app: FastifyInstance): void {
  app.setValidatorCompiler(({ schema, httpPart }) => (data: unknown) => {
    const result = (schema as z.ZodType).safeParse(data);
    if (result.success) return { value: result.data };
    const problems = problemsOf(result.error, partName(httpPart));
    return { error: new ApiError(400, 'VIGIL_API_INVALID', problems.map((p) => `${p.field}: ${p.reason}`).join('; '), problems) };
  });
}

export function registerRoute(app: FastifyInstance, route: AnyRoute, authorizeRequest: (request: FastifyRequest, access: Access) => string | undefined): void {
  app.route({
    method: route.method,
    url: `${API_PREFIX}${route.path}`,
    ...(route.bodyLimitBytes === undefined ? {} : { bodyLimit: route.bodyLimitBytes }),
    schema: {
      ...(route.params ? { params: route.params } : {}),
      ...(route.query ? { querystring: route.query } : {}),
      ...(route.body ? { body: route.body } : {}),
    },
    // Auth before validation: a caller without a token learns nothing from a 400.
    onRequest: async (request) => {
      request.tokenId = authorizeRequest(request, route.access);
    },
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      const body = await route.handler({ params: request.params, query: request.query, body: request.body, ...(request.tokenId ? { tokenId: request.tokenId } : {}) });
      if (body instanceof JsonText) return reply.code(route.status ?? 200).type('application/json; charset=utf-8').send(body.text);
      return reply.code(route.status ?? 200).send(body);
    },
  });
}

declare module 'fastify' {
  interface FastifyRequest {
    tokenId?: string;
  }
}
