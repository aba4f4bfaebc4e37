/**
 * `/llms.txt` and `/llms-full.txt`: the plain-text index agents are pointed at. It is rendered
 * from the OpenAPI document, so every operation it names must be in the document and mounted.
 */
import { randomUUID } from 'node:crypto';
import { type Stack, startStack } from '../harness/stack';

type PathItem = Record<string, unknown>;

describe('llms.txt', () => {
  let stack: Stack;
  let paths: Record<string, PathItem>;

  beforeAll(async () => {
    stack = await startStack({ worker: false });
    paths = ((await (await fetch(`${stack.url}/openapi.json`)).json()) as { paths: Record<string, PathItem> })
      .paths;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const fetchText = async (path: string) => {
    const res = await fetch(`${stack.url}${path}`);
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };
  const operationsNamed = (text: string) =>
    [...text.matchAll(/^- (GET|POST|PUT|PATCH|DELETE) (\/\S*?):/gm)].map(([, method, path]) => ({
      method,
      path,
    }));

  it.each(['/llms.txt', '/llms-full.txt'])(
    'serves %s as plain text with the docs, auth, errors and webhooks',
    async (path) => {
      const res = await fetchText(path);
      expect(res.status).toBe(200);
      expect(res.type).toMatch(/^text\/plain/);
      for (const heading of ['## Docs', '## Auth', '## Tasks', '## MCP', '## Errors', '## Webhooks'])
        expect(res.text).toContain(`\n${heading}`);
      expect(res.text).toContain('idempotency_mismatch');
      expect(res.text).toContain('- task_completed: ');
    },
  );

  it('names every operation of the OpenAPI document, and only those', async () => {
    const named = operationsNamed((await fetchText('/llms.txt')).text)
      .filter((o) => !['/openapi.json', '/docs', '/llms.txt', '/llms-full.txt'].includes(o.path))
      .map((o) => `${o.method} ${o.path}`)
      .sort();
    const documented = Object.entries(paths)
      .flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    expect(named).toEqual(documented);
  });

  it('names only paths the server has mounted', async () => {
    const { text } = await fetchText('/llms-full.txt');
    const unmounted: string[] = [];
    for (const { method, path } of operationsNamed(text)) {
      // No credentials and no body: a mounted route answers 401/400/…, an unmounted one route_not_found.
      const concrete = path.replace(/\{[^}]+\}/g, randomUUID());
      const res = await fetch(`${stack.url}${concrete}`, { method, headers: { Accept: 'application/json' } });
      // Only a 404 body is read: a mounted stream (the MCP SSE endpoint) never ends.
      if (res.status !== 404) {
        await res.body?.cancel();
        continue;
      }
      if ((await res.text()).includes('route_not_found')) unmounted.push(`${method} ${path}`);
    }
    expect(unmounted).toEqual([]);
  }, 180_000);

  it('describes each operation in the full index with its credentials and idempotency', async () => {
    const { text } = await fetchText('/llms-full.txt');
    expect(text).toMatch(
      /- POST \/api\/v1\/agent\/tasks: .*\n {2}createTask · ApiKey or Bearer · Idempotency-Key optional\n/,
    );
  });
});
