/**
 * What we record from outside is made safe, never refused (issue 11): a proxy agent replying with
 * NUL, a lone surrogate or 1 MB of control bytes gets its reply relayed neutralised and capped,
 * and its rental still ends and settles; a webhook receiver answering with NUL gets its response
 * excerpt recorded neutralised.
 */
import { randomUUID } from 'node:crypto';
import { MAX_AGENT_REPLY_CHARS } from '../../domain/agent-reply';
import { webhookWorkflowId } from '../../workflows/webhook-delivery/contract';
import { type AgentReceiver, type Answer, startAgentReceiver } from '../clients/agent-receiver';
import { startRental } from '../clients/rentr-fixtures';
import { createTestAccount } from '../harness/fixtures';
import { type Stack, startStack } from '../harness/stack';

type Json = Record<string, unknown>;

/** A request with a deadline, so a wedged rental fails the test instead of hanging the run. */
async function send(url: string, method: string, headers: Record<string, string>, body?: Json) {
  const res = await fetch(url, {
    method,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

let stack: Stack;
let agent: AgentReceiver;

beforeAll(async () => {
  stack = await startStack({
    config: {
      RATE_LIMIT_KEY_PREFIX: `hostile-${randomUUID().slice(0, 8)}`,
      RATE_LIMIT_PER_IP_PER_MINUTE: '1000',
    },
  });
  agent = await startAgentReceiver();
});
afterAll(async () => {
  await agent?.close();
  await stack?.stop();
});

const ONE_MB_OF_CONTROL_BYTES = '\u0001\u0002\u001b\u007f'.repeat(256 * 1024);

const replies: [what: string, answer: Answer, expected: unknown][] = [
  ['NUL', { body: { message: 'Par\u0000is' } }, 'Par\uFFFDis'],
  ['a lone surrogate', { body: { message: 'Par\uD800is' } }, 'Par\uFFFDis'],
  [
    '1 MB of control bytes',
    { body: ONE_MB_OF_CONTROL_BYTES, contentType: 'text/plain' },
    ONE_MB_OF_CONTROL_BYTES.slice(0, MAX_AGENT_REPLY_CHARS),
  ],
  [
    'an object reply with NUL inside',
    { body: { message: { city: 'Par\u0000is' } } },
    { city: 'Par\uFFFDis' },
  ],
];

describe('a proxy agent replying with hostile text', () => {
  it.each(replies)(
    'with %s: /v1/chat answers 200 with the reply made safe, the transcript keeps it, the rental ends and settles',
    async (_what, answer, expected) => {
      agent.respond(() => answer);
      const { rental, renter } = await startRental(stack, {
        webhookUrl: agent.url,
        integration: 'proxy',
      });
      const chat = await send(
        `${stack.url}/v1/chat`,
        'POST',
        { 'X-API-Key': rental.code },
        { message: 'Capital?' },
      );
      expect(chat.status).toBe(200);
      expect(chat.body.response).toEqual(expected);

      const asRenter = { 'X-API-Key': renter.apiKey };
      const transcript = await send(`${stack.url}/api/rentals/${rental.id}/messages`, 'GET', asRenter);
      const stored = (transcript.body.messages as { content: string }[]).map((m) => m.content);
      expect(stored).toEqual([
        'Capital?',
        typeof expected === 'string' ? expected : JSON.stringify(expected),
      ]);

      const ended = await send(`${stack.url}/api/rentals/${rental.id}/end`, 'POST', asRenter, {});
      expect(ended).toMatchObject({ status: 200, body: { status: 'ended', settled: true } });
    },
  );
});

describe('a webhook receiver answering with NUL', () => {
  it('has its response excerpt recorded with U+FFFD and the delivery completes', async () => {
    const receiver = await startAgentReceiver(() => ({ body: 'ok\u0000done', contentType: 'text/plain' }));
    try {
      const person = await createTestAccount(stack.db, { kind: 'bot', webhookUrl: `${receiver.url}/hook` });
      const sent = await send(`${stack.url}/api/v1/webhooks/test`, 'POST', { 'X-API-Key': person.apiKey });
      expect(sent.status).toBe(202);
      const deliveryId = String(sent.body.delivery_id);
      await Promise.race([
        stack.client.workflow.getHandle(webhookWorkflowId(deliveryId)).result(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('delivery did not complete')), 20_000)),
      ]);
      const attempts = await stack.db.query<{ response_excerpt: string; outcome: string }>(
        'SELECT response_excerpt, outcome FROM webhook_attempts WHERE delivery_id = $1',
        [deliveryId],
      );
      expect(attempts.rows).toEqual([{ response_excerpt: 'ok\uFFFDdone', outcome: 'success' }]);
    } finally {
      await receiver.close();
    }
  });
});
