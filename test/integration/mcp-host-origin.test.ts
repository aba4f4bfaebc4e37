/**
 * DNS-rebinding protection of the MCP endpoints: a request naming a Host this server is not
 * published under, or sent from a foreign Origin, is refused with 403 and a code before any MCP
 * work; the Rentr /v1/* routes stay open to every origin (CORS *), as the seed says.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { createApiDeps, type RunningApi, startApi } from '../../api/server';
import { createLogger } from '../../worker/logger';
import { testConfig } from '../harness/stack';

let api: RunningApi;
let port: number;

beforeAll(async () => {
  api = await startApi(createApiDeps(testConfig(), createLogger('silent', 'api')), 0, '127.0.0.1');
  port = Number(new URL(api.url).port);
});
afterAll(async () => {
  await api.close();
  await api.deps.db.end();
  await api.deps.temporalConnection.close();
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** node:http rather than fetch: fetch will not send a Host header of our choosing. */
function send(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path, headers: { Accept: 'application/json', ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
          }),
        );
      },
    );
    req.on('error', reject);
    if (body !== undefined) {
      req.setHeader('Content-Type', 'application/json');
      req.end(JSON.stringify(body));
    } else req.end();
  });
}

const registerAgent = (agentName: string) => ({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'register_agent', arguments: { agent_name: agentName } },
});

const botsNamed = async (agentName: string) =>
  Number(
    (await api.deps.db.query('SELECT count(*) AS n FROM accounts WHERE display_name = $1', [agentName]))
      .rows[0].n,
  );

describe('MCP Host and Origin validation', () => {
  it('refuses a foreign Host with 403 mcp_host_not_allowed, in JSON-RPC, without running the tool', async () => {
    const agentName = `rebind-${randomUUID().slice(0, 8)}`;
    const res = await send('POST', '/api/v1/mcp', { Host: `evil.example:${port}` }, registerAgent(agentName));
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32000, data: { code: 'mcp_host_not_allowed', status: 403 } },
    });
    expect(await botsNamed(agentName)).toBe(0);
  });

  it('refuses a foreign Origin with 403 mcp_origin_not_allowed even when Host is local', async () => {
    const agentName = `rebind-${randomUUID().slice(0, 8)}`;
    const res = await send(
      'POST',
      '/api/v1/mcp',
      { Host: `localhost:${port}`, Origin: 'https://evil.example' },
      registerAgent(agentName),
    );
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: { data: { code: 'mcp_origin_not_allowed' } } });
    expect(await botsNamed(agentName)).toBe(0);
  });

  it('accepts localhost, 127.0.0.1 and [::1] with any port outside production, with a matching Origin', async () => {
    for (const host of [`localhost:${port}`, '127.0.0.1:1', '[::1]:65535', 'localhost']) {
      const res = await send(
        'POST',
        '/api/v1/mcp',
        { Host: host, Origin: `http://${host}` },
        { jsonrpc: '2.0', id: 7, method: 'ping' },
      );
      expect({ host, status: res.status, body: res.body }).toEqual({
        host,
        status: 200,
        body: { jsonrpc: '2.0', id: 7, result: {} },
      });
    }
  });

  it('refuses the SSE transport’s stream and messages with {error, code}', async () => {
    const stream = await send('GET', '/api/v1/mcp/sse', { Host: 'evil.example' });
    expect(stream.status).toBe(403);
    expect(stream.body).toEqual({ error: expect.any(String), code: 'mcp_host_not_allowed' });
    const message = await send(
      'POST',
      '/api/v1/mcp/messages?sessionId=x',
      { Host: `127.0.0.1:${port}`, Origin: 'null' },
      { jsonrpc: '2.0', id: 1, method: 'ping' },
    );
    expect(message.status).toBe(403);
    expect(message.body).toEqual({ error: expect.any(String), code: 'mcp_origin_not_allowed' });
  });

  it('keeps the Rentr /v1/* routes open to any origin (Access-Control-Allow-Origin: *)', async () => {
    const res = await send('GET', '/v1/status', {
      Host: `127.0.0.1:${port}`,
      Origin: 'https://evil.example',
    });
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.body).not.toMatchObject({ code: 'mcp_origin_not_allowed' });
    expect(res.status).not.toBe(403);
  });
});
