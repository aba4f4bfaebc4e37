/**
 * Resumable SSE on Streamable HTTP: within a session, a POST's stream starts with a priming event
 * (id + retry), and a client whose stream closed resumes with GET + Last-Event-ID on *another* API
 * process (events live in Postgres) — but only with the credentials and session that opened it.
 * The conformance fixture `test_reconnection` closes its stream before answering.
 */
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { createApiDeps, type RunningApi, startApi } from '../../api/server';
import { createLogger } from '../../worker/logger';
import { testConfig } from '../harness/stack';

const apis: RunningApi[] = [];
let first: RunningApi;
let second: RunningApi;

beforeAll(async () => {
  // Two API processes' worth of state: same database and secret, nothing else shared.
  const config = testConfig({ MCP_CONFORMANCE_FIXTURES: 'true' });
  for (let i = 0; i < 2; i++) {
    apis.push(await startApi(createApiDeps(config, createLogger('silent', 'api')), 0, '127.0.0.1'));
  }
  [first, second] = apis;
});
afterAll(async () => {
  for (const api of apis) {
    await api.close();
    await api.deps.db.end();
    await api.deps.temporalConnection.close();
  }
});

const SSE = { Accept: 'application/json, text/event-stream', 'Content-Type': 'application/json' };

async function initialize(api: RunningApi): Promise<string> {
  const res = await fetch(`${api.url}/api/v1/mcp`, {
    method: 'POST',
    headers: SSE,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: LATEST_PROTOCOL_VERSION,
        capabilities: {},
        clientInfo: { name: 't', version: '1' },
      },
    }),
  });
  expect(res.status).toBe(200);
  await res.text();
  return res.headers.get('mcp-session-id')!;
}

interface SseEvent {
  id?: string;
  retry?: string;
  data?: string;
}

/** Every event of a stream that ends by itself. */
async function eventsOf(res: Response): Promise<SseEvent[]> {
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((block) => block.trim() && !block.startsWith(':'))
    .map((block) => {
      const event: Record<string, string> = {};
      for (const line of block.split('\n')) {
        const at = line.indexOf(':');
        if (at > 0) event[line.slice(0, at)] = line.slice(at + 1).trim();
      }
      return event;
    });
}

const callReconnection = (api: RunningApi, sessionId: string, headers: Record<string, string> = {}) =>
  fetch(`${api.url}/api/v1/mcp`, {
    method: 'POST',
    headers: { ...SSE, 'Mcp-Session-Id': sessionId, ...headers },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'test_reconnection', arguments: {} },
    }),
  });

const resume = (
  api: RunningApi,
  sessionId: string,
  lastEventId: string,
  headers: Record<string, string> = {},
) =>
  fetch(`${api.url}/api/v1/mcp`, {
    headers: {
      Accept: 'text/event-stream',
      'Mcp-Session-Id': sessionId,
      'Last-Event-ID': lastEventId,
      ...headers,
    },
  });

describe('resumable MCP SSE', () => {
  it('primes a session’s stream with an event id and a retry interval', async () => {
    const sessionId = await initialize(first);
    const [priming] = await eventsOf(await callReconnection(first, sessionId));
    expect(priming).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}_\d+$/), retry: '1000', data: '' });
  });

  it('delivers the answer on another API process to a client resuming with Last-Event-ID', async () => {
    const sessionId = await initialize(first);
    const posted = await eventsOf(await callReconnection(first, sessionId));
    expect(posted).toHaveLength(1); // the priming event only: the tool closed the stream
    const resumed = await eventsOf(await resume(second, sessionId, posted[0].id!));
    const answers = resumed.filter((e) => e.data).map((e) => JSON.parse(e.data!) as Record<string, unknown>);
    expect(answers).toEqual([
      {
        jsonrpc: '2.0',
        id: 1,
        result: { content: [{ type: 'text', text: 'Reconnection test completed successfully' }] },
      },
    ]);
  });

  it('refuses to resume a stream for other credentials or another session (404)', async () => {
    const sessionId = await initialize(first);
    const [priming] = await eventsOf(
      await callReconnection(first, sessionId, { 'X-API-Key': 'key-of-the-opener' }),
    );
    const otherKey = await resume(second, sessionId, priming.id!, { 'X-API-Key': 'someone-else' });
    const otherSession = await resume(second, await initialize(second), priming.id!, {
      'X-API-Key': 'key-of-the-opener',
    });
    for (const res of [otherKey, otherSession]) {
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({
        error: { code: -32001, data: { code: 'mcp_session_not_found' } },
      });
    }
  });

  it('answers 404 mcp_session_not_found to a session id this server did not issue', async () => {
    const res = await callReconnection(first, 'v1.2025-11-25.forged.x.y');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { data: { code: 'mcp_session_not_found' } } });
  });
});
