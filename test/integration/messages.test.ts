/**
 * Direct messages (issue 17.2) on the real stack: who may write to whom, pagination, the
 * recipient's notification (polling) or `direct_message` event (webhook), and the MCP tools.
 */
import { randomUUID } from 'node:crypto';
import { type AgentReceiver, startAgentReceiver } from '../clients/agent-receiver';
import { apiClient, createFundedAccount, createTestAccount, type TestAccount } from '../harness/fixtures';
import { type Stack, startStack } from '../harness/stack';

type Json = Record<string, unknown>;
interface MessageBody {
  id: string;
  from: string;
  to: string;
  content: string;
  rental_id: string | null;
  created_at: string;
}
interface PageBody {
  messages: MessageBody[];
  next_cursor: string | null;
  has_more: boolean;
}
interface NotificationBody {
  id: string;
  type: string;
  data: Json;
}

describe('direct messages', () => {
  let stack: Stack;
  let agent: AgentReceiver;
  beforeAll(async () => {
    stack = await startStack();
    agent = await startAgentReceiver(() => ({ body: { ok: true } }));
  });
  afterAll(async () => {
    await agent?.close();
    await stack?.stop();
  });

  const as = (a: TestAccount) => apiClient(stack.url, a.apiKey);
  const send = (from: TestAccount, body: Json, headers: Record<string, string> = {}) =>
    as(from)<MessageBody & Json>('POST', '/api/v1/messages', body, headers);

  async function rentalParties(botOpts: Parameters<typeof createTestAccount>[1] = {}) {
    const owner = await createTestAccount(stack.db);
    const bot = await createTestAccount(stack.db, {
      kind: 'bot',
      ownerId: owner.id,
      pricePerMinute: 0.1,
      ...botOpts,
    });
    const renter = await createFundedAccount(stack.db, 10);
    const rental = await as(renter)<{ id: string }>('POST', '/api/rentals', {
      agent_id: bot.id,
      minutes: 10,
    });
    expect(rental.status).toBe(201);
    return { owner, bot, renter, rentalId: rental.body.id };
  }

  it('lets the renter and the bot owner write to each other, after the rental ended too', async () => {
    const { owner, renter, rentalId } = await rentalParties();
    expect((await as(renter)('POST', `/api/rentals/${rentalId}/end`, {})).status).toBe(200);
    const sent = await send(owner, { to: renter.id, content: 'Your report is ready', rental_id: rentalId });
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({
      from: owner.id,
      to: renter.id,
      content: 'Your report is ready',
      rental_id: rentalId,
    });
    const reply = await send(renter, { to: owner.id, content: 'Thanks!' });
    expect(reply.status).toBe(201);
    const page = await as(renter)<PageBody>('GET', `/api/v1/messages?with=${owner.id}`);
    expect(page.status).toBe(200);
    expect(page.body.messages.map((m) => m.content)).toEqual(['Thanks!', 'Your report is ready']);
    expect(page.body).toMatchObject({ has_more: false, next_cursor: null });
  });

  it('refuses strangers with 403 dm_not_allowed, on send and on read', async () => {
    const a = await createTestAccount(stack.db);
    const b = await createTestAccount(stack.db, { kind: 'bot' });
    const res = await send(a, { to: b.id, content: 'hello?' });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({
      error: 'direct messages are only allowed between accounts that share a rental or a task',
      code: 'dm_not_allowed',
    });
    expect((await as(a)<Json>('GET', `/api/v1/messages?with=${b.id}`)).body.code).toBe('dm_not_allowed');
    expect(
      (await stack.db.query('SELECT 1 FROM direct_messages WHERE sender_id = $1', [a.id])).rowCount,
    ).toBe(0);
  });

  it('refuses a rental_id the two do not share with 403 dm_rental_not_shared', async () => {
    const { renter, bot } = await rentalParties();
    const other = await rentalParties();
    const res = await send(renter, { to: bot.id, content: 'hi', rental_id: other.rentalId });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('dm_rental_not_shared');
  });

  it('lets a task creator and a worker who accepted write to each other', async () => {
    const creator = await createFundedAccount(stack.db, 10, { kind: 'bot' });
    const worker = await createTestAccount(stack.db, { kind: 'bot' });
    expect((await send(worker, { to: creator.id, content: 'question' })).status).toBe(403);
    const task = await as(creator)<{ id: string }>('POST', '/api/v1/agent/tasks', {
      title: 'Translate a page',
      description: 'EN to FR',
      category: 'data',
      reward_usd: 1,
      slots: 1,
    });
    expect(task.status).toBe(201);
    const accepted = await as(worker)('POST', `/api/v1/agent/tasks/${task.body.id}/accept`, undefined, {
      'Idempotency-Key': randomUUID(),
    });
    expect(accepted.status).toBe(200);
    expect((await send(worker, { to: creator.id, content: 'Which dialect?' })).status).toBe(201);
  });

  it('refuses content with NUL or control characters, empty or too long (400) and stores nothing', async () => {
    const { renter, bot } = await rentalParties();
    for (const content of ['a\u0000b', 'a\u0007b', '', 'x'.repeat(4001)]) {
      const res = await send(renter, { to: bot.id, content });
      expect(res.status).toBe(400);
    }
    expect(
      (await stack.db.query('SELECT 1 FROM direct_messages WHERE sender_id = $1', [renter.id])).rowCount,
    ).toBe(0);
  });

  it('pages newest first with limit and cursor, handing out every message exactly once', async () => {
    const { renter, bot } = await rentalParties();
    const sent: string[] = [];
    for (let i = 0; i < 7; i++) {
      const from = i % 2 ? bot : renter;
      const res = await send(from, { to: from === bot ? renter.id : bot.id, content: `m${i}` });
      expect(res.status).toBe(201);
      sent.push(res.body.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = `/api/v1/messages?with=${bot.id}&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await as(renter)<PageBody>('GET', q);
      expect(page.status).toBe(200);
      seen.push(...page.body.messages.map((m) => m.id));
      expect(page.body.has_more).toBe(page.body.next_cursor !== null);
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...sent].reverse());
    const bad = await as(renter)<Json>('GET', `/api/v1/messages?with=${bot.id}&cursor=nonsense`);
    expect(bad.status).toBe(400);
  });

  it('returns the same message for a retried Idempotency-Key and notifies once', async () => {
    const { renter, bot } = await rentalParties();
    const key = `dm-${randomUUID()}`;
    const first = await send(renter, { to: bot.id, content: 'once' }, { 'Idempotency-Key': key });
    const again = await send(renter, { to: bot.id, content: 'once' }, { 'Idempotency-Key': key });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    const n = await stack.db.query(
      `SELECT 1 FROM notifications WHERE account_id = $1 AND type = 'direct_message'`,
      [bot.id],
    );
    expect(n.rowCount).toBe(1);
  });

  it('tells a polling bot through GET /api/agents/me/pending as a direct_message notification', async () => {
    const { renter, bot, rentalId } = await rentalParties();
    const sent = await send(renter, { to: bot.id, content: 'Please also send the CSV', rental_id: rentalId });
    expect(sent.status).toBe(201);
    const found: NotificationBody[] = [];
    for (let i = 0; i < 20 && !found.some((n) => n.type === 'direct_message'); i++) {
      const pending = await as(bot)<{ notifications: NotificationBody[] }>('GET', '/api/agents/me/pending');
      found.push(...pending.body.notifications);
    }
    const dms = found.filter((n) => n.type === 'direct_message');
    expect(dms).toHaveLength(1);
    expect(dms[0].data).toMatchObject({
      message_id: sent.body.id,
      sender_id: renter.id,
      content: 'Please also send the CSV',
      rental_id: rentalId,
    });
  });

  it('pushes a direct_message event to an events bot’s webhook', async () => {
    const { renter, bot } = await rentalParties({ webhookUrl: agent.url, integration: 'events' });
    const sent = await send(renter, { to: bot.id, content: 'ping via webhook' });
    expect(sent.status).toBe(201);
    const dmEvents = () =>
      agent.requests
        .map((r) => r.body as { event: string; data: { user_id: string; data: Json } })
        .filter((b) => b.event === 'direct_message' && b.data.user_id === bot.id);
    for (let i = 0; i < 150 && dmEvents().length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(dmEvents()).toHaveLength(1);
    expect(dmEvents()[0].data.data).toMatchObject({
      message_id: sent.body.id,
      sender_id: renter.id,
      content: 'ping via webhook',
    });
    const n = await stack.db.query(
      `SELECT 1 FROM notifications WHERE account_id = $1 AND type = 'direct_message'`,
      [bot.id],
    );
    expect(n.rowCount).toBe(0);
  });

  it('round-trips through the MCP tools send_direct_message, list_direct_messages and rate_rental', async () => {
    const { renter, bot, rentalId } = await rentalParties();
    let id = 0;
    const tool = async (who: TestAccount, name: string, args: Json) => {
      const res = await fetch(`${stack.url}/api/v1/mcp`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-API-Key': who.apiKey },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: ++id,
          method: 'tools/call',
          params: { name, arguments: args },
        }),
      });
      const body = (await res.json()) as { result: { isError?: boolean; structuredContent: Json } };
      return body.result;
    };
    const sent = await tool(bot, 'send_direct_message', { to: renter.id, content: 'hello from MCP' });
    expect(sent.isError).toBeFalsy();
    expect(sent.structuredContent).toMatchObject({ from: bot.id, to: renter.id, content: 'hello from MCP' });
    const listed = await tool(renter, 'list_direct_messages', { with: bot.id });
    expect((listed.structuredContent.messages as MessageBody[]).map((m) => m.content)).toEqual([
      'hello from MCP',
    ]);
    const early = await tool(renter, 'rate_rental', { rental_id: rentalId, stars: 5 });
    expect(early.isError).toBe(true);
    expect((await as(renter)('POST', `/api/rentals/${rentalId}/end`, {})).status).toBe(200);
    const rated = await tool(renter, 'rate_rental', { rental_id: rentalId, stars: 5 });
    expect(rated.isError).toBeFalsy();
    expect(rated.structuredContent).toMatchObject({ subject_id: rentalId, stars: 5, ratee_id: bot.id });
  });
});
