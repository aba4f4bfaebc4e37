/**
 * Task categories (issue 15 item 8): `GET /api/v1/agent/tasks/categories` and the MCP tool
 * `list_task_categories` list every id `category` accepts, with a name; OpenAPI documents the route.
 */
import { TASK_CATEGORIES } from '../../domain/task-rules';
import { apiClient, createTestAccount } from '../harness/fixtures';
import { type Stack, startStack } from '../harness/stack';

type Categories = { categories: Array<{ id: string; name: string }> };

describe('task categories', () => {
  let stack: Stack;
  let apiKey: string;

  beforeAll(async () => {
    stack = await startStack({ worker: false });
    apiKey = (await createTestAccount(stack.db, { kind: 'bot' })).apiKey;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('GET /api/v1/agent/tasks/categories lists every accepted category id with a name', async () => {
    const res = await apiClient(stack.url, apiKey)<Categories>('GET', '/api/v1/agent/tasks/categories');
    expect(res.status).toBe(200);
    expect(res.body.categories.map((c) => c.id)).toEqual([...TASK_CATEGORIES]);
    for (const c of res.body.categories) expect(c.name).toEqual(expect.stringMatching(/\S/));
  });

  it('every listed category id is accepted by task search', async () => {
    const call = apiClient(stack.url, apiKey);
    const { body } = await call<Categories>('GET', '/api/v1/agent/tasks/categories');
    for (const { id } of body.categories) {
      expect((await call('POST', '/api/v1/agent/tasks/search', { category: id })).status).toBe(200);
    }
  });

  it('the categories route needs credentials like every other task route', async () => {
    const res = await apiClient(stack.url)('GET', '/api/v1/agent/tasks/categories');
    expect(res.status).toBe(401);
  });

  it('the MCP tool list_task_categories returns the same list as the REST route', async () => {
    const rest = await apiClient(stack.url, apiKey)<Categories>('GET', '/api/v1/agent/tasks/categories');
    const res = await fetch(`${stack.url}/api/v1/mcp`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-API-Key': apiKey },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'list_task_categories', arguments: {} },
      }),
    });
    const body = (await res.json()) as { result?: { isError?: boolean; structuredContent?: unknown } };
    expect(body.result?.isError).toBeFalsy();
    expect(body.result?.structuredContent).toEqual(rest.body);
  });

  it('OpenAPI documents the categories route and its response', async () => {
    const doc = (await (await fetch(`${stack.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(doc.paths['/api/v1/agent/tasks/categories']?.get?.responses['200']).toBeDefined();
  });
});
