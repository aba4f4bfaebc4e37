/**
 * Issue 24 item 5: the API's Prometheus metrics (route names, request counts, process internals)
 * were served to anyone at `/metrics` on the public API port. They now have their own listener,
 * API_METRICS_PORT on API_METRICS_HOST (loopback by default), and the public port answers 404.
 */
import { freePort } from '../harness/free-port';
import { type Stack, startStack } from '../harness/stack';

let stack: Stack;
let metricsPort: number;
beforeAll(async () => {
  metricsPort = await freePort();
  stack = await startStack({ worker: false, config: { API_METRICS_PORT: String(metricsPort) } });
});
afterAll(async () => {
  await stack?.stop();
});

describe('the API metrics are not on the public port', () => {
  it('answers 404 to GET /metrics on the public API port (anyone could read them)', async () => {
    const res = await fetch(`${stack.url}/metrics`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 'route_not_found' });
  });

  it('serves Prometheus metrics, request durations included, on the metrics listener bound to loopback', async () => {
    await fetch(`${stack.url}/health`);
    expect(stack.api.metricsUrl).toBe(`http://127.0.0.1:${metricsPort}/metrics`);
    const res = await fetch(stack.api.metricsUrl!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    expect(text).toContain('# TYPE agentrent_http_request_duration_seconds histogram');
    expect(text).toMatch(/agentrent_http_request_duration_seconds_count\{[^}]*route="\/health"/);
  });

  it('serves nothing but GET /metrics on the metrics listener (the API is not reachable through it)', async () => {
    for (const [method, path] of [
      ['GET', '/health'],
      ['GET', '/api/rentals'],
      ['POST', '/metrics'],
    ]) {
      const res = await fetch(`http://127.0.0.1:${metricsPort}${path}`, { method });
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 404 });
    }
  });
});
