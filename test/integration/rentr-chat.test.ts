/**
 * `POST /v1/chat` against proxy agents through the real stack: API → rental workflow update →
 * relay activity → a local agent webhook, and back.
 */
import { randomUUID } from 'node:crypto';
import { rentalWorkflowId } from '../../workflows/rental/contract';
import { type AgentReceiver, startAgentReceiver } from '../clients/agent-receiver';
import { rentrCall, startRental } from '../clients/rentr-fixtures';
import { apiClient } from '../harness/fixtures';
import { maybeRecordHistory } from '../harness/record';
import { type Stack, startStack } from '../harness/stack';

describe('Rentr chat with proxy agents', () => {
  let stack: Stack;
  let agent: AgentReceiver;
  const proxyAgent = () => ({
    webhookUrl: agent.url,
    webhookToken: 'secret-token',
    integration: 'proxy' as const,
  });

  beforeAll(async () => {
    // A short relay timeout keeps the "agent hangs" case fast; the default stays 30 s.
    stack = await startStack({
      config: {
        AGENT_PROXY_TIMEOUT_MS: '1500',
        RATE_LIMIT_KEY_PREFIX: `rentr-chat-${randomUUID().slice(0, 8)}`,
      },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });
  beforeEach(async () => {
    agent = await startAgentReceiver();
  });
  afterEach(async () => {
    await agent.close();
  });

  it('relays the message and returns the agent reply in the Rentr shape', async () => {
    agent.respond(() => ({ body: { response: 'Paris.' } }));
    const { rental, bot } = await startRental(stack, { ...proxyAgent(), name: 'GeographyBot' });
    const res = await rentrCall(stack, rental.code)('POST', '/v1/chat', { message: 'Capital of France?' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      success: true,
      agent: 'GeographyBot',
      response: 'Paris.',
      rental: { id: rental.id, ends_at: rental.ends_at },
    });
    expect(agent.requests).toHaveLength(1);
    expect(agent.requests[0].headers['x-rental-id']).toBe(rental.id);
    expect(agent.requests[0].headers.authorization).toBe('Bearer secret-token');
    expect(agent.requests[0].body).toMatchObject({ message: 'Capital of France?', agentId: 'GeographyBot' });
    expect(bot.id).toBeDefined();
  });

  it('stores the renter message and the reply in the transcript', async () => {
    agent.respond(() => ({ body: { text: 'Pong' } }));
    const { rental, renter } = await startRental(stack, proxyAgent());
    await rentrCall(stack, rental.code)('POST', '/v1/chat', { message: 'Ping' });
    const transcript = await apiClient(stack.url, renter.apiKey)<{
      messages: { content: string; sender_id: string }[];
    }>('GET', `/api/rentals/${rental.id}/messages`);
    expect(transcript.body.messages.map((m) => m.content)).toEqual(['Ping', 'Pong']);
    expect(transcript.body.messages[0].sender_id).toBe(renter.id);
  });

  it('passes an object reply through to the renter as an object', async () => {
    const rich = { summary: 'Paris', sources: ['atlas'] };
    agent.respond(() => ({ body: { message: rich } }));
    const { rental } = await startRental(stack, proxyAgent());
    const res = await rentrCall(stack, rental.code)('POST', '/api/v1/chat', { message: 'Capital?' });
    expect(res.status).toBe(200);
    expect(res.body.response).toEqual(rich);
  });

  it('passes a reply with more fields through whole, in the agent’s key order, and the transcript keeps its text', async () => {
    const raw = '{"message":"Paris","sources":["atlas","wiki"],"confidence":0.93}';
    agent.respond(() => ({ body: raw, contentType: 'application/json' }));
    const { rental, renter } = await startRental(stack, proxyAgent());
    const res = await fetch(`${stack.url}/v1/chat`, {
      method: 'POST',
      headers: { 'X-API-Key': rental.code, 'Content-Type': 'application/json' },
      body: JSON.stringify({ message: 'Capital?' }),
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain(`"response":${raw}`);
    const transcript = await apiClient(stack.url, renter.apiKey)<{ messages: { content: string }[] }>(
      'GET',
      `/api/rentals/${rental.id}/messages`,
    );
    expect(transcript.body.messages.map((m) => m.content)).toEqual(['Capital?', 'Paris']);
  });

  it('answers the text itself when the agent’s body holds only its text field', async () => {
    agent.respond(() => ({ body: { message: 'Paris' } }));
    const { rental } = await startRental(stack, proxyAgent());
    const res = await rentrCall(stack, rental.code)('POST', '/v1/chat', { message: 'Capital?' });
    expect(res.body.response).toBe('Paris');
  });

  it('answers 502 when the agent webhook returns a 5xx', async () => {
    agent.respond(() => ({ status: 500, body: 'boom' }));
    const { rental } = await startRental(stack, proxyAgent());
    const res = await rentrCall(stack, rental.code)('POST', '/v1/chat', { message: 'Hi' });
    expect(res.status).toBe(502);
    expect(res.body).toEqual({ error: 'Agent temporarily unavailable', code: 'agent_error' });
    expect(agent.requests).toHaveLength(1); // no retry
  });

  it('answers 502 when the agent webhook returns a 4xx', async () => {
    agent.respond(() => ({ status: 401, body: { error: 'bad token' } }));
    const { rental } = await startRental(stack, proxyAgent());
    const res = await rentrCall(stack, rental.code)('POST', '/v1/chat', { message: 'Hi' });
    expect(res.status).toBe(502);
  });

  it('answers 503 when the agent webhook does not answer in time', async () => {
    agent.respond(() => ({ hang: true }));
    const { rental } = await startRental(stack, proxyAgent());
    const res = await rentrCall(stack, rental.code)('POST', '/v1/chat', { message: 'Hi' });
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ error: 'Agent unreachable', code: 'agent_unreachable' });
    expect(agent.requests).toHaveLength(1);
  });

  it('never lets the agent see two messages of one rental at once', async () => {
    agent.respond((req) => ({
      delayMs: 300,
      body: { message: `echo ${(req.body as { message: string }).message}` },
    }));
    const { rental } = await startRental(stack, proxyAgent());
    const chat = rentrCall(stack, rental.code);
    const results = await Promise.all(
      [1, 2, 3, 4].map((n) => chat<{ response: string }>('POST', '/v1/chat', { message: `m${n}` })),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(results.map((r) => r.body.response)).toEqual(['echo m1', 'echo m2', 'echo m3', 'echo m4']);
    expect(agent.requests).toHaveLength(4);
    expect(agent.maxInFlight).toBe(1);
  });

  it('accepts the rental code as Authorization: Bearer', async () => {
    const { rental } = await startRental(stack, proxyAgent());
    const res = await rentrCall(stack, rental.code, 'bearer')('POST', '/v1/chat', { message: 'Hi' });
    expect(res.status).toBe(200);
    expect(res.body.response).toBe('ok');
  });

  it.each([
    ['a missing message', {}, 'message'],
    ['an empty message', { message: '   ' }, 'message'],
    ['a non-string message', { message: 42 }, 'message'],
    ['a message over 10,000 characters', { message: 'x'.repeat(10_001) }, 'message'],
  ])('answers 400 naming the field for %s, without calling the agent', async (_what, body, field) => {
    const { rental } = await startRental(stack, proxyAgent());
    const res = await rentrCall(stack, rental.code)<{ error: string }>('POST', '/v1/chat', body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(new RegExp(`^${field}`));
    expect(agent.requests).toHaveLength(0);
  });

  it('accepts a message of exactly 10,000 characters', async () => {
    const { rental } = await startRental(stack, proxyAgent());
    const res = await rentrCall(stack, rental.code)('POST', '/v1/chat', { message: 'x'.repeat(10_000) });
    expect(res.status).toBe(200);
  });

  it('answers 403 once the rental has ended', async () => {
    const { rental, renter } = await startRental(stack, proxyAgent());
    const ended = await apiClient(stack.url, renter.apiKey)('POST', `/api/rentals/${rental.id}/end`, {});
    expect(ended.status).toBe(200);
    const res = await rentrCall(stack, rental.code)('POST', '/v1/chat', { message: 'Still there?' });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: 'Rental not active', code: 'rental_not_active' });
    expect(agent.requests).toHaveLength(0);
  });

  it('sends CORS * so browsers can call it directly', async () => {
    const { rental } = await startRental(stack, proxyAgent());
    const res = await rentrCall(stack, rental.code)('POST', '/v1/chat', { message: 'Hi' });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('records a replayable history of a proxy-chat rental', async () => {
    agent.respond((req) => ({ body: { content: `re: ${(req.body as { message: string }).message}` } }));
    const { rental, renter } = await startRental(stack, proxyAgent(), 10);
    const chat = rentrCall(stack, rental.code);
    expect((await chat('POST', '/v1/chat', { message: 'first' })).status).toBe(200);
    agent.respond(() => ({ status: 503, body: '' }));
    expect((await chat('POST', '/v1/chat', { message: 'second' })).status).toBe(502);
    agent.respond(() => ({ body: { response: { rich: true } } }));
    expect((await chat('POST', '/v1/chat', { message: 'third' })).status).toBe(200);
    await apiClient(stack.url, renter.apiKey)('POST', `/api/rentals/${rental.id}/end`, {});
    await stack.client.workflow.getHandle(rentalWorkflowId(rental.id)).result();
    maybeRecordHistory(stack.config.TEMPORAL_ADDRESS, rentalWorkflowId(rental.id), 'rental-proxy-chat');
  });
});
