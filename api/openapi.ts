/**
 * OpenAPI 3.1 generated from the same zod schemas the routes validate with. Route modules call
 * `registry.registerPath(...)` next to their handlers; `/openapi.json` renders the registry.
 */
import { extendZodWithOpenApi, OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { IDEMPOTENCY_KEY_PATTERN, MAX_IDEMPOTENCY_KEY_LENGTH } from './idempotency-core';
import { OPERATION_DESCRIPTIONS } from './openapi-descriptions';
import { OPERATIONS, TAGS } from './openapi-operations';
import { ERROR_TEXT_CODES, type ErrorTextCode } from '../domain/error-texts';

extendZodWithOpenApi(z);

export const registry = new OpenAPIRegistry();

export const errorSchema = registry.register(
  'Error',
  z.object({
    error: z.string().openapi({ example: 'amount: must be positive' }),
    code: z.enum(ERROR_TEXT_CODES as [ErrorTextCode, ...ErrorTextCode[]]).openapi({
      description:
        'stable machine-readable error code (docs/ERRORS.md; domain/error-texts.ts); 429, 503 and 504 also send Retry-After',
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
 * malformed (400) or too large (413), a query or path parameter refused (400, e.g. a cursor);
 * credentials can be missing or wrong (401) and the per-key limit spent (429, Retry-After); a
 * workflow-backed or Postgres-backed call can find its backend down (503, Retry-After); anything
 * unexpected is a 500. Added where a route did not list them, so the document allows every real
 * answer.
 */
const errorContent = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };
const retryAfter = {
  'Retry-After': { description: 'seconds to wait', schema: { type: 'string' } },
} as const;

type Parameter = { name?: string; in?: string; $ref?: string };
type Operation = {
  operationId?: string;
  description?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: Parameter[];
  requestBody?: unknown;
  responses: Record<string, { description: string; headers?: unknown; content?: unknown }>;
};
type Document = ReturnType<OpenApiGeneratorV31['generateDocument']> & {
  paths?: Record<string, Record<string, Operation>>;
  components?: { parameters?: Record<string, unknown> };
};

const idempotencyKeyParameter = (required: boolean) => ({
  name: 'Idempotency-Key',
  in: 'header' as const,
  required,
  description: required
    ? `Required, printable ASCII (${IDEMPOTENCY_KEY_PATTERN.source}). ` +
      'Same key + same body → the original response again (Idempotent-Replayed: true); ' +
      'same key + other body → 422; same key while the first is in flight → 409. Kept ≥ 24 h, per account.'
    : 'Optional (a blank one counts as absent): with it a retry returns the original outcome instead ' +
      'of acting twice; same key + other body → 422; in flight → 409.',
  // Printable ASCII is asked for in words only: HTTP strips surrounding tabs before the route
  // sees a key, so a schema pattern would call accepted keys invalid. The optional header is read
  // leniently (trimmed, blank = absent), so only the required one states a length.
  schema: required
    ? { type: 'string' as const, minLength: 1, maxLength: MAX_IDEMPOTENCY_KEY_LENGTH }
    : { type: 'string' as const },
});

function addImpliedResponses(doc: Document) {
  for (const [, item] of Object.entries(doc.paths ?? {})) {
    for (const op of Object.values(item)) {
      // 500: what the error handler answers for anything unexpected (never a stack trace).
      const implied: string[] = ['500', '503'];
      if (op.requestBody || op.parameters?.some((p) => p.in === 'query' || p.in === 'path'))
        implied.push('400');
      if (op.requestBody) implied.push('413');
      if (op.security?.length) implied.push('401', '429');
      for (const status of implied) {
        op.responses[status] ??= { description: `error ${status}`, content: errorContent };
        if (status === '429' || status === '503') op.responses[status].headers ??= retryAfter;
      }
    }
  }
  return doc;
}

/** operationId, tags, description and the Idempotency-Key header from api/openapi-operations.ts. */
function addOperationInfo(doc: Document) {
  doc.components ??= {};
  doc.components.parameters = {
    ...doc.components.parameters,
    IdempotencyKey: idempotencyKeyParameter(true),
    OptionalIdempotencyKey: idempotencyKeyParameter(false),
  };
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(item)) {
      const key = `${method.toUpperCase()} ${path}`;
      op.description ??= OPERATION_DESCRIPTIONS[key];
      const info = OPERATIONS[key];
      if (!info) continue;
      op.operationId ??= info.operationId;
      op.tags ??= [info.tag];
      if (!info.idempotencyKey) continue;
      // One declaration, by reference, instead of whatever the route registered inline.
      op.parameters = (op.parameters ?? []).filter((p) => p.name?.toLowerCase() !== 'idempotency-key');
      const required = info.idempotencyKey === 'required';
      op.parameters.push({
        $ref: `#/components/parameters/${required ? 'IdempotencyKey' : 'OptionalIdempotencyKey'}`,
      });
      for (const status of ['400', '409', '422'])
        op.responses[status] ??= { description: `error ${status}`, content: errorContent };
    }
  }
  return doc;
}

export function openApiDocument() {
  const doc = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'agentrent API',
      version: '0.1.0',
      description:
        'Rent AI agents by the minute and post paid tasks, paid in USDT (TRC-20). Conventions (errors, ' +
        'idempotency, deadlines, rate limits, money) and every endpoint: docs/API.md; error codes: docs/ERRORS.md.',
      // Who answers for this API; a deployment that publishes it may put its own support address here.
      contact: { name: 'agentrent platform team', email: 'dev@agentrent.local' },
    },
    servers: [{ url: '/' }],
    tags: [...TAGS, { name: 'Events', description: 'Events agentrent POSTs to your webhook_url' }],
  }) as Document;
  return addImpliedResponses(addOperationInfo(doc));
}
