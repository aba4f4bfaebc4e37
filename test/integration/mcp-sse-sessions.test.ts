/**
 * An MCP SSE session (2024-11-05 transport) answers only the principal that opened it, and its
 * id — a capability for messages sent without credentials — never reaches the logs.
 */
import { Writable } from 'node:stream';
import { createApiDeps, type RunningApi, startApi } from '../../api/server';
import { createLogger } from '../../worker/logger';
import { createTestAccount, type TestAccount } from '../harness/fixtures';
import { testConfig } from '../harness/stack';

/** Every log line the API writes, as text. */
const logLines: string[] = [];
const capture = new Writable({
  write(chunk: Buffer, _enc, done) {
    logLines.push(chunk.toString());
    done();
  },
});

let api: RunningApi;
const streams: AbortController[] = [];

beforeAll(async () => {
  const config = testConfig({ LOG_LEVEL: 'info' });
  api = await startApi(createApiDeps(config, createLogger('info', 'api', capture)), 0, '127.0.0.1');
});
afterAll(async () => {
  for (const s of streams) s.abort();
  await api.close();
  await api.deps.db.end();
  await api.deps.temporalConnection.close();
});

interface Session {
  /** The message endpoint the stream announced, with its ?sessionId=. */
  endpoint: string;
  sessionId: string;
  /** Resolves with the next `event: message` payload on the stream. */
  nextMessage(): Promise<Record<string, unknown>>;
}

/** Opens GET /api/v1/mcp/sse (with the account's key, or none) and reads the announced endpoint. */
async function openSession(account?: TestAccount): Promise<Session> {
  const abort = new AbortController();
  streams.push(abort);
  const res = await fetch(`${api.url}/api/v1/mcp/sse`, {
    headers: { Accept: 'text/event-stream', ...(account ? { 'X-API-Key': account.apiKey } : {}) },
    signal: abort.signal,
  });
  expect(res.status).toBe(200);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const nextEvent = async (name: string): Promise<string> => {
    for (;;) {
      const match = new RegExp(`event: ${name}\\ndata: (.*)\\n\\n`).exec(buffer);
      if (match) {
        buffer = buffer.slice(match.index + match[0].length);
        return match[1];
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('stream closed');
      buffer += value;
    }
  };
  const endpoint = await nextEvent('endpoint');
  return {
    endpoint,
    sessionId: new URL(endpoint, api.url).searchParams.get('sessionId')!,
    nextMessage: async () => JSON.parse(await nextEvent('message')) as Record<string, unknown>,
  };
}

const post = (session: Session, message: unknown, apiKey?: string) =>
  fetch(`${api.url}${session.endpoint}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(apiKey ? { 'X-API-Key': apiKey } : {}) },
    body: JSON.stringify(message),
  });

const initialize = (id: number) => ({
  jsonrpc: '2.0',
  id,
  method: 'initialize',
  params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'sse-test', version: '1' } },
});

describe('MCP SSE sessions', () => {
  it("answers 404 to a message sent with another principal's credentials", async () => {
    const [owner, other] = [
      await createTestAccount(api.deps.db, { kind: 'bot' }),
      await createTestAccount(api.deps.db, { kind: 'bot' }),
    ];
    const session = await openSession(owner);

    const refused = await post(session, initialize(1), other.apiKey);

    expect(refused.status).toBe(404);
    expect(await refused.json()).toEqual({
      error: 'unknown or closed MCP session: open GET /api/v1/mcp/sse again',
      code: 'mcp_unknown_session',
    });
  });

  it('answers the principal that opened it, with or without credentials on the message', async () => {
    const owner = await createTestAccount(api.deps.db, { kind: 'bot' });
    const session = await openSession(owner);

    expect((await post(session, initialize(1), owner.apiKey)).status).toBe(202);
    expect(await session.nextMessage()).toMatchObject({ id: 1, result: expect.any(Object) });
    expect((await post(session, { jsonrpc: '2.0', id: 2, method: 'tools/list' })).status).toBe(202);
    expect(await session.nextMessage()).toMatchObject({ id: 2, result: { tools: expect.any(Array) } });
  });

  it('refuses credentials on a session opened without any', async () => {
    const someone = await createTestAccount(api.deps.db, { kind: 'bot' });
    const session = await openSession();

    expect((await post(session, initialize(1), someone.apiKey)).status).toBe(404);
    expect((await post(session, initialize(2))).status).toBe(202);
  });

  it('refuses to open a session with credentials that name nobody', async () => {
    const res = await fetch(`${api.url}/api/v1/mcp/sse`, {
      headers: { Accept: 'text/event-stream', 'X-API-Key': 'rr_live_not-a-real-key-0000000000000' },
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: 'invalid or revoked credentials',
      code: 'invalid_credentials',
    });
  });

  it('never writes a session id to the logs', async () => {
    const owner = await createTestAccount(api.deps.db, { kind: 'bot' });
    const session = await openSession(owner);
    expect((await post(session, initialize(1), owner.apiKey)).status).toBe(202);
    expect((await post(session, initialize(2), 'rr_live_somebody-else-000000000000000')).status).toBe(404);
    // pino-http logs when the response has finished; give the last line a moment.
    await new Promise((resolve) => setTimeout(resolve, 200));

    const logged = logLines.join('');
    expect(logged).toContain('/api/v1/mcp/messages?sessionId=[redacted]');
    expect(logged).not.toContain(session.sessionId);
  });
});
