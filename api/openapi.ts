/**
 * OpenAPI 3.1 generated from the same zod schemas the routes validate with. Route modules call
 * `registry.registerPath(...)` next to their handlers; `/openapi.json` renders the registry.
 */
import { extendZodWithOpenApi, OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ERROR_TEXT_CODES, type ErrorTextCode } from '../domain/error-texts';

extendZodWithOpenApi(z);

export const registry = new OpenAPIRegistry();

export const errorSchema = registry.register(
  'Error',
  z.object({
    error: z.string().openapi({ example: 'amount: must be positive' }),
    code: z.enum(ERROR_TEXT_CODES as [ErrorTextCode, ...ErrorTextCode[]]).openapi({
      description:
        'stable machine-readable error code (README "Error codes"; domain/error-texts.ts); 429, 503 and 504 also send Retry-After',
      example: 'validation',
    }),
  }),
);

export const apiKeyAuth = registry.registerComponent('securitySchemes', 'ApiKey', {
  type: 'apiKey',
  in: 'header',
  name: 'X-API-Key',
});
export const bearerAuth = registry.registerComponent('securitySchemes', 'Bearer', {
  type: 'http',
  scheme: 'bearer',
});
/** Security requirement for authenticated routes. */
export const authenticated = [{ [apiKeyAuth.name]: [] }, { [bearerAuth.name]: [] }];

/** Standard error responses, keyed by status, for `responses` in registerPath. */
export function errorResponses(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((s) => [
      s,
      { description: `error ${s}`, content: { 'application/json': { schema: errorSchema } } },
    ]),
  );
}

export function jsonBody<S extends z.ZodType>(schema: S) {
  return { content: { 'application/json': { schema } } };
}

export function jsonResponse<S extends z.ZodType>(description: string, schema: S) {
  return { description, content: { 'application/json': { schema } } };
}

/**
 * Statuses every operation of a kind can answer, whatever its handler does: a JSON body can be
 * malformed (400) or too large (413); credentials can be missing or wrong (401) and the per-key
 * limit spent (429, Retry-After); a workflow-backed or Postgres-backed call can find its backend
 * down (503). Added where a route did not list them, so the document allows every real answer.
 */
const errorContent = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };
const retryAfter = {
  'Retry-After': { description: 'seconds to wait', schema: { type: 'string' } },
} as const;

type Operation = {
  security?: unknown[];
  requestBody?: unknown;
  responses: Record<string, { description: string; headers?: unknown; content?: unknown }>;
};

function addImpliedResponses(doc: { paths?: Record<string, Record<string, Operation>> }) {
  for (const [, item] of Object.entries(doc.paths ?? {})) {
    for (const op of Object.values(item)) {
      const implied: string[] = ['503'];
      if (op.requestBody) implied.push('400', '413');
      if (op.security?.length) implied.push('401', '429');
      for (const status of implied) {
        op.responses[status] ??= { description: `error ${status}`, content: errorContent };
        if (status === '429' || status === '503') op.responses[status].headers ??= retryAfter;
      }
    }
  }
  return doc;
}

export function openApiDocument() {
  return addImpliedResponses(
    new OpenApiGeneratorV31(registry.definitions).generateDocument({
      openapi: '3.1.0',
      info: {
        title: 'agentrent API',
        version: '0.1.0',
        description: 'Rent AI agents by the minute and post paid tasks, paid in USDT (TRC-20).',
      },
      servers: [{ url: '/' }],
    }) as ReturnType<OpenApiGeneratorV31['generateDocument']> & {
      paths?: Record<string, Record<string, Operation>>;
    },
  );
}
