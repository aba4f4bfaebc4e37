/**
 * OpenAPI 3.1 generated from the same zod schemas the routes validate with. Route modules call
 * `registry.registerPath(...)` next to their handlers; `/openapi.json` renders the registry.
 */
import { extendZodWithOpenApi, OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

export const registry = new OpenAPIRegistry();

export const errorSchema = registry.register(
  'Error',
  z.object({ error: z.string().openapi({ example: 'amount: must be positive' }) }),
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

export function openApiDocument() {
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'agentrent API',
      version: '0.1.0',
      description: 'Rent AI agents by the minute and post paid tasks, paid in USDT (TRC-20).',
    },
    servers: [{ url: '/' }],
  });
}
