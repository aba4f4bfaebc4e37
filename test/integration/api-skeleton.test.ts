/**
 * The API skeleton every area builds on: the error convention, request ids, docs, metrics and a
 * /health that reports a dependency going away without taking the process down.
 */
import net from 'node:net';
import { createApiDeps, startApi, type RunningApi } from '../../api/server';
import { apiClient } from '../harness/fixtures';
import { freePort } from '../harness/free-port';
import { harnessState } from '../harness/state';
import { type Stack, startStack, testConfig } from '../harness/stack';

/** No stack frame, file path or error class leaks into a response body. */
function expectPlainError(body: unknown): void {
  expect(Object.keys(body as object)).toEqual(['error', 'code']);
  const text = JSON.stringify(body);
  expect(text).not.toMatch(/\bat .+:\d+:\d+|node_modules|\.ts\b|Error:/);
}

/** A TCP proxy in front of the real Postgres, so the test can cut the database off and restore it. */
async function startPostgresProxy(target: URL) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  const port = await freePort();
  const open = () =>
    new Promise<void>((resolve) => {
      server = net.createServer((client) => {
        const upstream = net.connect(Number(target.port), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => s.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', () => resolve());
    });
  const close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      if (!server) return resolve();
      server.close(() => resolve());
    });
  await open();
  return { port, open, close };
}

describe('API skeleton', () => {
  let stack: Stack;
  let call: ReturnType<typeof apiClient>;
  beforeAll(async () => {
    stack = await startStack({ worker: false });
    call = apiClient(stack.url);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('answers an unknown route with 404 JSON', async () => {
    const res = await call('GET', '/no/such/route');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(res.body).toEqual({ error: 'no route for GET /no/such/route', code: 'route_not_found' });
  });

  it('answers malformed JSON with 400 JSON and no stack trace', async () => {
    const res = await call('POST', '/health', '{"broken": ', { 'Content-Type': 'application/json' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'malformed JSON body', code: 'malformed_json' });
    expectPlainError(res.body);
  });

  it('answers a body over REQUEST_BODY_LIMIT with 413 JSON', async () => {
    const big = JSON.stringify({ blob: 'x'.repeat(300 * 1024) }); // default limit 256kb
    const res = await call('POST', '/health', big, { 'Content-Type': 'application/json' });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ error: 'request body too large', code: 'payload_too_large' });
    expectPlainError(res.body);
  });

  it('echoes a caller-supplied X-Request-Id', async () => {
    const res = await call('GET', '/health', undefined, { 'X-Request-Id': 'trace-abc.123' });
    expect(res.headers.get('x-request-id')).toBe('trace-abc.123');
  });

  it('mints a request id when the caller sends none or an unsafe one', async () => {
    const none = await call('GET', '/no/such/route');
    expect(none.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const unsafe = await call('GET', '/health', undefined, { 'X-Request-Id': 'bad id\twith spaces' });
    expect(unsafe.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves an OpenAPI 3.1 document that lists /health', async () => {
    const res = await call<{ openapi: string; paths: Record<string, unknown> }>('GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(res.body.paths['/health']).toHaveProperty('get');
  });

  it('serves the docs page as HTML', async () => {
    const res = await fetch(`${stack.url}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toMatch(/swagger-ui/i);
  });

  it('refuses to start on a port that is already taken', async () => {
    const deps = createApiDeps(testConfig());
    try {
      await expect(startApi(deps, Number(new URL(stack.url).port), '127.0.0.1')).rejects.toMatchObject({
        code: 'EADDRINUSE',
      });
    } finally {
      await deps.db.end();
      await deps.temporalConnection.close();
    }
  });

  describe('when a dependency is down', () => {
    let api: RunningApi | undefined;
    afterEach(async () => {
      await api?.close();
      await api?.deps.db.end();
      await api?.deps.temporalConnection.close();
      api = undefined;
    });

    it('reports 503 with postgres down when the database goes away, keeps serving, and recovers', async () => {
      const proxy = await startPostgresProxy(new URL(harnessState().databaseUrl));
      const url = new URL(harnessState().databaseUrl);
      url.port = String(proxy.port);
      api = await startApi(createApiDeps(testConfig({ DATABASE_URL: url.toString() })), 0, '127.0.0.1');
      const client = apiClient(api.url);

      expect((await client('GET', '/health')).status).toBe(200);
      await proxy.close();
      const down = await client('GET', '/health');
      expect(down.status).toBe(503);
      expect(down.body).toEqual({ status: 'degraded', postgres: 'down', temporal: 'ok' });
      // The process is still up and answering everything else.
      expect((await client('GET', '/no/such/route')).status).toBe(404);
      expect((await client('GET', '/health')).status).toBe(503);

      await proxy.open();
      expect((await client('GET', '/health')).body).toEqual({ status: 'ok', postgres: 'ok', temporal: 'ok' });
      await proxy.close();
    });

    it('reports 503 with temporal down when Temporal is unreachable', async () => {
      const deadPort = await freePort();
      api = await startApi(
        createApiDeps(testConfig({ TEMPORAL_ADDRESS: `127.0.0.1:${deadPort}` })),
        0,
        '127.0.0.1',
      );
      const res = await apiClient(api.url)('GET', '/health');
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ status: 'degraded', postgres: 'ok', temporal: 'down' });
      // The client's last gRPC retry may still be in its backoff until just after the 2 s deadline;
      // closing the connection under it would throw from a timer.
      await new Promise((r) => setTimeout(r, 3_500));
    });
  });
});
