/**
 * OpenAPI that tools can use (issue 16.4): the document served at /openapi.json describes exactly
 * the routes Express mounts, names and tags every operation, declares the error schema and
 * Idempotency-Key where they apply, has a response schema for every answer with a body, lists
 * every outbound event under `webhooks`, and is a valid OpenAPI 3.1 document — the one committed as
 * openapi.json (issue 22.5), so every API change shows in review (`npm run openapi` regenerates it).
 */
import { randomUUID } from 'node:crypto';
import { validate } from '@readme/openapi-parser';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { createApp } from '../../api/app';
import { OPERATIONS } from '../../api/openapi-operations';
import { EVENT_SCHEMAS } from '../../api/schemas/events';
import { rentalEventPayload } from '../../domain/rental-events';
import { committedDocument } from '../../scripts/openapi';
import { apiClient, createTestAccount } from '../harness/fixtures';
import { type Stack, startStack, TEST_ADMIN_KEY } from '../harness/stack';

type Json = Record<string, unknown>;
type Operation = {
  operationId?: string;
  tags?: string[];
  parameters?: { $ref?: string; name?: string; in?: string; required?: boolean }[];
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
};
type Doc = {
  openapi: string;
  tags: { name: string }[];
  paths: Record<string, Record<string, Operation>>;
  webhooks: Record<string, Record<string, Json>>;
  components: { parameters: Record<string, { required: boolean }>; schemas: Record<string, Json> };
};

let stack: Stack;
let doc: Doc;
beforeAll(async () => {
  stack = await startStack({ worker: false });
  doc = (await (await fetch(`${stack.url}/openapi.json`)).json()) as Doc;
});
afterAll(async () => {
  await stack?.stop();
});

/** Mounted but deliberately not operations of the document, each with its reason. */
const UNDOCUMENTED_ROUTES: Record<string, string> = {
  'GET /openapi.json': 'the document itself',
  'GET /llms.txt': 'a plain-text index rendered from the document itself (api/llms-txt.ts)',
  'GET /llms-full.txt': 'a plain-text index rendered from the document itself (api/llms-txt.ts)',
  'GET /admin': 'the operator console page (HTML of api/console/), not a JSON operation',
  'GET /admin/': 'the operator console page (HTML of api/console/), not a JSON operation',
  'DELETE /api/v1/mcp':
    'answers 405 to MCP clients that end a session: the Streamable HTTP server is stateless',
};

/** `METHOD /path/{param}` of every route in the Express router stack. */
function mountedRoutes(): Set<string> {
  const app = createApp(stack.api.deps) as unknown as {
    router: { stack: { route?: { path: string | string[]; methods: Record<string, boolean> } }[] };
  };
  const routes = new Set<string>();
  for (const layer of app.router.stack) {
    if (!layer.route) continue;
    const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
    for (const path of paths)
      for (const method of Object.keys(layer.route.methods))
        routes.add(`${method.toUpperCase()} ${path.replace(/:(\w+)/g, '{$1}')}`);
  }
  return routes;
}

const documentedOperations = () =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, op })),
  );

describe('/openapi.json', () => {
  it('is the committed openapi.json (regenerate with `npm run openapi` and commit it)', () => {
    expect(doc).toEqual(committedDocument());
  });

  it('documents every mounted route (a few allow-listed with their reason)', () => {
    const documented = new Set(documentedOperations().map((o) => o.key));
    const missing = [...mountedRoutes()].filter((r) => !documented.has(r) && !(r in UNDOCUMENTED_ROUTES));
    expect(missing).toEqual([]);
  });

  it('documents only routes that are mounted', () => {
    const mounted = mountedRoutes();
    expect(
      documentedOperations()
        .filter((o) => !mounted.has(o.key))
        .map((o) => o.key),
    ).toEqual([]);
    // The allow-list stays true: each entry is really mounted.
    expect(Object.keys(UNDOCUMENTED_ROUTES).filter((r) => !mounted.has(r))).toEqual([]);
  });

  it('gives every operation a unique camelCase operationId and a declared tag', () => {
    const tags = new Set(doc.tags.map((t) => t.name));
    const ops = documentedOperations();
    for (const { key, op } of ops) {
      expect({ key, operationId: op.operationId }).toEqual({
        key,
        operationId: expect.stringMatching(/^[a-z][a-zA-Z0-9]*$/),
      });
      expect({ key, tagged: (op.tags ?? []).length > 0 && op.tags!.every((t) => tags.has(t)) }).toEqual({
        key,
        tagged: true,
      });
    }
    const ids = ops.map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('gives every operation error responses with the one error schema {error, code}', () => {
    expect(doc.components.schemas.Error).toMatchObject({
      type: 'object',
      properties: {
        error: { type: 'string' },
        code: { type: 'string', enum: expect.arrayContaining(['invalid_cursor']) },
      },
      required: ['error', 'code'],
    });
    for (const { key, op } of documentedOperations()) {
      const errors = Object.entries(op.responses).filter(([status]) => Number(status) >= 400);
      const usesErrorSchema = errors.some(([, r]) =>
        JSON.stringify(r.content?.['application/json']?.schema ?? {}).includes('#/components/schemas/Error'),
      );
      expect({ key, usesErrorSchema }).toEqual({ key, usesErrorSchema: true });
    }
  });

  it('has a response schema for every answer with a body (202, 204 and redirects have none)', () => {
    for (const { key, op } of documentedOperations())
      for (const [status, response] of Object.entries(op.responses)) {
        if (['202', '204', '302'].includes(status)) continue;
        const schemas = Object.values(response.content ?? {}).map((c) => c.schema);
        expect({ key, status, hasSchema: schemas.length > 0 && schemas.every(Boolean) }).toEqual({
          key,
          status,
          hasSchema: true,
        });
      }
  });

  it('declares Idempotency-Key, required or optional, exactly where the table says', () => {
    for (const { key, op } of documentedOperations()) {
      const ref = op.parameters?.find((p) => p.$ref?.includes('IdempotencyKey'))?.$ref;
      const inline = !!op.parameters?.some((p) => p.name?.toLowerCase() === 'idempotency-key');
      const expected = OPERATIONS[key]?.idempotencyKey;
      const declared = ref
        ? doc.components.parameters[ref.split('/').pop()!].required
          ? 'required'
          : 'optional'
        : undefined;
      expect({ key, declared, inline }).toEqual({ key, declared, inline: false });
      expect({ key, declared }).toEqual({ key, declared: expected });
    }
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(doc) as never);
    expect(result).toMatchObject({ valid: true });
  });

  it('lists every outbound event under webhooks, with its payload schema and signature headers', () => {
    expect(Object.keys(doc.webhooks).sort()).toEqual(Object.keys(EVENT_SCHEMAS).sort());
    for (const [event, item] of Object.entries(doc.webhooks)) {
      const post = item.post as Operation & { requestBody: { content: Record<string, { schema: Json }> } };
      expect(post.operationId).toMatch(/^on[A-Z]/);
      expect(post.requestBody.content['application/json'].schema).toEqual({
        $ref: expect.stringContaining('Event'),
      });
      const headers = (post.parameters ?? []).filter((p) => p.in === 'header').map((p) => p.name);
      expect({ event, headers }).toEqual({
        event,
        headers: ['webhook-id', 'webhook-timestamp', 'webhook-signature'],
      });
    }
  });

  it('describes the rental events the workflow sends (payload builder output validates)', () => {
    const ajv = new Ajv2020({ strict: false });
    addFormats(ajv);
    ajv.addSchema({ $id: 'doc', components: doc.components } as Json);
    const check = (name: string, payload: unknown) => {
      const ok = ajv.validate({ $ref: `doc#/components/schemas/${name}` }, payload);
      expect({ name, errors: ok ? null : ajv.errors }).toEqual({ name, errors: null });
    };
    const base = {
      eventId: randomUUID(),
      botId: randomUUID(),
      rentalId: randomUUID(),
      title: 't',
      body: 'b',
    };
    const at = new Date().toISOString();
    check(
      'RentalRequestEvent',
      rentalEventPayload({
        ...base,
        event: 'rental_request',
        at,
        details: { renter_username: 'r', renter_id: randomUUID(), minutes: 5, ends_at: at },
      }),
    );
    check(
      'RentalMessageEvent',
      rentalEventPayload({
        ...base,
        event: 'rental_message',
        at,
        details: {
          renter_username: 'r',
          message_id: randomUUID(),
          sender_id: randomUUID(),
          sender_username: 'r',
          content: 'hi',
        },
      }),
    );
    check(
      'RentalEndedEvent',
      rentalEventPayload({
        ...base,
        event: 'rental_ended',
        at,
        details: { renter_username: 'r', ended_by: 'clock', ended_at: at },
      }),
    );
    expect(
      ajv.validate({ $ref: 'doc#/components/schemas/RentalEndedEvent' }, { event: 'rental_ended' }),
    ).toBe(false);
  });
});

describe('Idempotency-Key as the routes enforce it', () => {
  it('routes documenting it as required refuse a request without it (400)', async () => {
    const me = await createTestAccount(stack.db);
    const call = apiClient(stack.url, me.apiKey);
    const required = Object.entries(OPERATIONS).filter(([, o]) => o.idempotencyKey === 'required');
    expect(required.length).toBeGreaterThan(0);
    for (const [key] of required) {
      const [method, path] = key.split(' ');
      const url = path.replace(/\{[^}]+\}/g, randomUUID());
      const body = url.includes('adjustments') ? { account_id: me.id, amount: 1, reason: 'x' } : {};
      const r = await (url.includes('/admin/') ? apiClient(stack.url, TEST_ADMIN_KEY) : call)(
        method,
        url,
        body,
      );
      expect({ key, status: r.status, body: r.body }).toEqual({
        key,
        status: 400,
        body: expect.objectContaining({ error: 'Idempotency-Key header is required' }),
      });
    }
  });

  it('routes documenting it as optional answer without it (no Idempotency-Key error)', async () => {
    const me = await createTestAccount(stack.db);
    const call = apiClient(stack.url, me.apiKey);
    for (const [key, o] of Object.entries(OPERATIONS)) {
      if (o.idempotencyKey !== 'optional') continue;
      const [method, path] = key.split(' ');
      const r = await call(method, path.replace(/\{[^}]+\}/g, randomUUID()), {});
      expect({ key, error: String((r.body as Json)?.error ?? '') }).toEqual({
        key,
        error: expect.not.stringContaining('Idempotency-Key'),
      });
    }
  });
});
