/**
 * Streaming `POST /v1/chat` (docs/RENTALS.md, "Streaming chat") through the real stack: a renter
 * asking for Server-Sent Events, the API relaying a local agent webhook that streams SSE or
 * ndjson (or does not stream), and the transcript the reply ends up in.
 */
import { createParser } from 'eventsource-parser';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { MAX_AGENT_REPLY_CHARS } from '../../domain/agent-reply';
import { type AgentReceiver, startAgentReceiver } from '../clients/agent-receiver';
import { rentrCall, startRental } from '../clients/rentr-fixtures';
import { apiClient } from '../harness/fixtures';
import { type Stack, startStack } from '../harness/stack';

interface SseEvent {
  event: string;
  data: string;
}

interface StreamedAnswer {
  status: number;
  contentType: string | null;
  /** The raw body (a JSON error when the stream never began). */
  text: string;
  events: SseEvent[];
}

function parseEvents(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = createParser({ onEvent: (e) => events.push({ event: e.event ?? 'message', data: e.data }) });
  parser.feed(text);
  return events;
}

/** An SSE chunk of the agent's stream. */
const sse = (data: unknown) => `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;

/** A chunk source the test lets go on: yields `first`, waits for `release()`, yields `rest`. */
function gatedChunks(first: string[], rest: string[]) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  async function* chunks() {
    yield* first;
    await gate;
    yield* rest;
  }
  return { chunks: chunks(), release };
}

/** A chunk source that sends `first` and then never ends (the receiver's close ends it). */
async function* stalled(first: string[]) {
  yield* first;
  await new Promise<never>(() => undefined);
}

describe('Rentr chat, streamed', () => {
  let stack: Stack;
  let agent: AgentReceiver;
  const proxyAgent = () => ({
    webhookUrl: agent.url,
    webhookToken: 'secret-token',
    integration: 'proxy' as const,
  });

  const streamChat = async (
    code: string,
    body: Record<string, unknown>,
    accept: string | undefined = 'text/event-stream',
  ): Promise<StreamedAnswer> => {
    const res = await fetch(`${stack.url}/v1/chat`, {
      method: 'POST',
      headers: {
        'X-API-Key': code,
        'Content-Type': 'application/json',
        ...(accept ? { Accept: accept } : {}),
      },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      contentType: res.headers.get('content-type'),
      text,
      events: parseEvents(text),
    };
  };

  const transcriptOf = async (rentalId: string, apiKey: string) =>
    (
      await apiClient(stack.url, apiKey)<{ messages: { content: string; sender_id: string }[] }>(
        'GET',
        `/api/rentals/${rentalId}/messages`,
      )
    ).body.messages;

  beforeAll(async () => {
    // A short relay timeout makes "the budget runs out mid-stream" fast; the default stays 30 s.
    stack = await startStack({
      config: {
        AGENT_PROXY_TIMEOUT_MS: '1500',
        RATE_LIMIT_KEY_PREFIX: `rentr-chat-stream-${randomUUID().slice(0, 8)}`,
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

  it('relays an SSE agent’s pieces as delta events, then done with the JSON answer, and stores the reply once', async () => {
    agent.respond(() => ({
      contentType: 'text/event-stream',
      chunks: [
        sse({ choices: [{ delta: { role: 'assistant' } }] }),
        sse({ choices: [{ delta: { content: 'Par' } }] }),
        ': keep-alive\n\n',
        sse({ choices: [{ delta: { content: 'is.' } }] }),
        sse('[DONE]'),
      ],
    }));
    const name = `GeographyBot-${randomUUID().slice(0, 8)}`;
    const { rental, renter } = await startRental(stack, { ...proxyAgent(), name });
    const res = await streamChat(rental.code, { message: 'Capital of France?' });
    expect(res.status).toBe(200);
    expect(res.contentType).toBe('text/event-stream; charset=utf-8');
    expect(res.events).toEqual([
      { event: 'delta', data: '{"delta":"Par"}' },
      { event: 'delta', data: '{"delta":"is."}' },
      {
        event: 'done',
        data: JSON.stringify({
          success: true,
          agent: name,
          response: 'Paris.',
          rental: { id: rental.id, ends_at: rental.ends_at },
        }),
      },
    ]);
    expect((await transcriptOf(rental.id, renter.apiKey)).map((m) => m.content)).toEqual([
      'Capital of France?',
      'Paris.',
    ]);
  });

  it('asks the agent to stream only when the renter asked for a stream', async () => {
    const { rental } = await startRental(stack, proxyAgent());
    await streamChat(rental.code, { message: 'streamed' });
    await rentrCall(stack, rental.code)('POST', '/v1/chat', { message: 'plain' });
    expect(agent.requests.map((r) => r.headers.accept?.split(',')[0])).toEqual([
      'text/event-stream',
      'application/json',
    ]);
  });

  it('relays an ndjson agent’s lines, a last line without its newline included', async () => {
    agent.respond(() => ({
      contentType: 'application/x-ndjson',
      chunks: ['{"delta":"Bon"}\n{"del', 'ta":"jour"}\r\n\n', '{"delta":", Paris"}'],
    }));
    const { rental, renter } = await startRental(stack, proxyAgent());
    const res = await streamChat(rental.code, { message: 'Hello in French?' });
    expect(res.events.filter((e) => e.event === 'delta').map((e) => JSON.parse(e.data))).toEqual([
      { delta: 'Bon' },
      { delta: 'jour' },
      { delta: ', Paris' },
    ]);
    expect(JSON.parse(res.events.at(-1)!.data)).toMatchObject({ response: 'Bonjour, Paris' });
    expect((await transcriptOf(rental.id, renter.apiKey)).map((m) => m.content)).toEqual([
      'Hello in French?',
      'Bonjour, Paris',
    ]);
  });

  it('gives one delta and a done byte-for-byte the non-streamed answer when the agent answers JSON', async () => {
    const raw = '{"message":"Paris","sources":["atlas","wiki"]}';
    agent.respond(() => ({ body: raw, contentType: 'application/json' }));
    const { rental } = await startRental(stack, proxyAgent());
    const plain = await fetch(`${stack.url}/v1/chat`, {
      method: 'POST',
      headers: { 'X-API-Key': rental.code, 'Content-Type': 'application/json' },
      body: JSON.stringify({ message: 'Capital?' }),
    });
    const streamed = await streamChat(rental.code, { message: 'Capital?' });
    expect(streamed.events.map((e) => e.event)).toEqual(['delta', 'done']);
    expect(JSON.parse(streamed.events[0].data)).toEqual({ delta: 'Paris' });
    expect(streamed.events[1].data).toBe(await plain.text());
  });

  it('streams for "stream": true without an Accept header, and answers JSON for "stream": false whatever Accept says', async () => {
    const { rental } = await startRental(stack, proxyAgent());
    const asked = await streamChat(rental.code, { message: 'Hi', stream: true }, undefined);
    expect(asked.events.map((e) => e.event)).toEqual(['delta', 'done']);
    const refused = await streamChat(rental.code, { message: 'Hi', stream: false });
    expect(refused.contentType).toBe('application/json; charset=utf-8');
    expect(JSON.parse(refused.text)).toMatchObject({ success: true, response: 'ok' });
  });

  it('answers JSON to a client that prefers application/json to text/event-stream', async () => {
    const { rental } = await startRental(stack, proxyAgent());
    const res = await streamChat(rental.code, { message: 'Hi' }, 'application/json, text/event-stream');
    expect(res.contentType).toBe('application/json; charset=utf-8');
  });

  it('streams for an Accept written in capitals: media types are case-insensitive', async () => {
    const { rental } = await startRental(stack, proxyAgent());
    const res = await streamChat(rental.code, { message: 'Hi' }, 'Text/Event-Stream');
    expect(res.events.map((e) => e.event)).toEqual(['delta', 'done']);
  });

  it('never lets the agent stream two chats of one rental at once', async () => {
    agent.respond((req) => ({
      contentType: 'text/event-stream',
      chunks: (async function* () {
        yield sse({ delta: 'echo ' });
        await new Promise((r) => setTimeout(r, 200));
        yield sse({ delta: (req.body as { message: string }).message });
      })(),
    }));
    const { rental } = await startRental(stack, proxyAgent());
    const answers = await Promise.all(
      ['m1', 'm2', 'm3'].map((message) => streamChat(rental.code, { message })),
    );
    expect(answers.map((a) => (JSON.parse(a.events.at(-1)!.data) as { response: string }).response)).toEqual([
      'echo m1',
      'echo m2',
      'echo m3',
    ]);
    expect(agent.requests).toHaveLength(3);
    expect(agent.maxInFlight).toBe(1);
  });

  it('stores the whole reply once when the renter leaves mid-stream', async () => {
    const { chunks, release } = gatedChunks([sse({ delta: 'first, ' })], [sse({ delta: 'then the rest' })]);
    agent.respond(() => ({ contentType: 'text/event-stream', chunks }));
    const { rental, renter } = await startRental(stack, proxyAgent());
    // Reads the first delta, then hangs up.
    await new Promise<void>((resolve, reject) => {
      const req = http.request(`${stack.url}/v1/chat`, {
        method: 'POST',
        headers: {
          'X-API-Key': rental.code,
          'Content-Type': 'application/json',
          Accept: 'text/event-stream',
        },
      });
      req.on('response', (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
      req.end(JSON.stringify({ message: 'Tell me everything' }));
    });
    release();
    let messages = await transcriptOf(rental.id, renter.apiKey);
    for (let tries = 0; messages.length < 2 && tries < 100; tries++) {
      await new Promise((r) => setTimeout(r, 100));
      messages = await transcriptOf(rental.id, renter.apiKey);
    }
    expect(messages.map((m) => m.content)).toEqual(['Tell me everything', 'first, then the rest']);
    // The lease was given back: the next chat runs, and the earlier reply is still there once.
    agent.respond(() => ({ body: { message: 'again' } }));
    expect((await rentrCall(stack, rental.code)('POST', '/v1/chat', { message: 'More?' })).status).toBe(200);
    expect((await transcriptOf(rental.id, renter.apiKey)).map((m) => m.content)).toEqual([
      'Tell me everything',
      'first, then the rest',
      'More?',
      'again',
    ]);
  });

  it('ends with an error event and stores no reply when the budget runs out mid-stream', async () => {
    agent.respond(() => ({
      contentType: 'text/event-stream',
      chunks: stalled([sse({ delta: 'Thinking' })]),
    }));
    const { rental, renter } = await startRental(stack, proxyAgent());
    const res = await streamChat(rental.code, { message: 'Slow one' });
    expect(res.status).toBe(200);
    expect(res.events).toEqual([
      { event: 'delta', data: '{"delta":"Thinking"}' },
      { event: 'error', data: '{"error":"Agent unreachable","code":"agent_unreachable"}' },
    ]);
    expect((await transcriptOf(rental.id, renter.apiKey)).map((m) => m.content)).toEqual(['Slow one']);
    agent.respond(() => ({ body: { message: 'back' } }));
    expect((await rentrCall(stack, rental.code)('POST', '/v1/chat', { message: 'Again?' })).status).toBe(200);
  });

  it('relays and stores no more than a reply may hold, the deltas adding up to the stored reply', async () => {
    const piece = 'x'.repeat(4_000);
    agent.respond(() => ({
      contentType: 'text/event-stream',
      chunks: [1, 2, 3].map(() => sse({ delta: piece })),
    }));
    const { rental, renter } = await startRental(stack, proxyAgent());
    const res = await streamChat(rental.code, { message: 'Long one' });
    const relayed = res.events
      .filter((e) => e.event === 'delta')
      .map((e) => (JSON.parse(e.data) as { delta: string }).delta)
      .join('');
    expect(relayed).toHaveLength(MAX_AGENT_REPLY_CHARS);
    expect(JSON.parse(res.events.at(-1)!.data)).toMatchObject({ response: relayed });
    expect((await transcriptOf(rental.id, renter.apiKey))[1].content).toBe(relayed);
  });

  it('gives one delta and done for a polling bot’s reply (the rental workflow’s chat)', async () => {
    const { rental, bot, renter } = await startRental(stack, { integration: 'events' });
    const streamed = streamChat(rental.code, { message: 'Are you there?' });
    let messages = await transcriptOf(rental.id, renter.apiKey);
    for (let tries = 0; messages.length < 1 && tries < 100; tries++) {
      await new Promise((r) => setTimeout(r, 100));
      messages = await transcriptOf(rental.id, renter.apiKey);
    }
    const botApi = apiClient(stack.url, bot.apiKey);
    expect((await botApi('POST', `/api/rentals/${rental.id}/messages`, { content: 'Here.' })).status).toBe(
      201,
    );
    const res = await streamed;
    expect(res.events.map((e) => [e.event, JSON.parse(e.data) as unknown])).toEqual([
      ['delta', { delta: 'Here.' }],
      [
        'done',
        {
          success: true,
          agent: expect.any(String),
          response: 'Here.',
          rental: { id: rental.id, ends_at: rental.ends_at },
        },
      ],
    ]);
  });

  it('relays and stores a NUL and a lone surrogate as U+FFFD, and a pair split across two chunks whole', async () => {
    agent.respond(() => ({
      contentType: 'text/event-stream',
      chunks: [sse({ delta: 'a\u0000b\uDC00 \uD83D' }), sse({ delta: '\uDE00!' })],
    }));
    const { rental, renter } = await startRental(stack, proxyAgent());
    const res = await streamChat(rental.code, { message: 'Odd characters?' });
    const relayed = res.events
      .filter((e) => e.event === 'delta')
      .map((e) => (JSON.parse(e.data) as { delta: string }).delta);
    expect(relayed).toEqual(['a\uFFFDb\uFFFD ', '\uD83D\uDE00!']);
    expect((await transcriptOf(rental.id, renter.apiKey))[1].content).toBe(relayed.join(''));
  });

  it('keeps the status and JSON body of an error before the stream began (agent 5xx → 502)', async () => {
    agent.respond(() => ({ status: 500, body: 'boom' }));
    const { rental } = await startRental(stack, proxyAgent());
    const res = await streamChat(rental.code, { message: 'Hi' });
    expect(res.status).toBe(502);
    expect(JSON.parse(res.text)).toEqual({ error: 'Agent temporarily unavailable', code: 'agent_error' });
  });

  it('keeps 503 for an agent that does not answer at all', async () => {
    agent.respond(() => ({ hang: true }));
    const { rental } = await startRental(stack, proxyAgent());
    const res = await streamChat(rental.code, { message: 'Hi' });
    expect(res.status).toBe(503);
    expect(JSON.parse(res.text)).toEqual({ error: 'Agent unreachable', code: 'agent_unreachable' });
  });

  it('keeps 403 for an ended rental', async () => {
    const { rental, renter } = await startRental(stack, proxyAgent());
    await apiClient(stack.url, renter.apiKey)('POST', `/api/rentals/${rental.id}/end`, {});
    const res = await streamChat(rental.code, { message: 'Still there?' });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.text)).toEqual({ error: 'Rental not active', code: 'rental_not_active' });
    expect(agent.requests).toHaveLength(0);
  });

  it.each([
    ['a non-boolean stream', { message: 'Hi', stream: 'yes' }, 'stream'],
    ['a missing message', { stream: true }, 'message'],
    ['a message over 10,000 characters', { message: 'x'.repeat(10_001), stream: true }, 'message'],
    ['a NUL in the message', { message: 'a\u0000b', stream: true }, 'message'],
  ])('answers 400 naming the field for %s, without calling the agent', async (_what, body, field) => {
    const { rental } = await startRental(stack, proxyAgent());
    const res = await streamChat(rental.code, body);
    expect(res.status).toBe(400);
    const error = JSON.parse(res.text) as { error: string; code: string };
    expect(error.error).toMatch(new RegExp(`^${field}`));
    expect(error.code).toBe('validation');
    expect(agent.requests).toHaveLength(0);
  });

  it('answers 401 JSON to a streamed chat with an unknown rental code', async () => {
    const res = await streamChat('00000000', { message: 'Hi' });
    expect(res.status).toBe(401);
    expect(JSON.parse(res.text)).toMatchObject({ code: expect.any(String) });
  });
});
