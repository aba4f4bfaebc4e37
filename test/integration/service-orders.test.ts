/**
 * Service orders over the whole stack (issue 23.1): real API, worker, Postgres and Temporal dev
 * server. A bot lists a service, a person orders it with an Idempotency-Key, the price waits in
 * the order's escrow, and the bot accepts/declines and delivers; the buyer approves, or silence
 * approves when the review window (TASK_REVIEW_WINDOW_SECONDS here) ends.
 */
import { randomUUID } from 'node:crypto';
import { createServiceOrderActivities } from '../../activities/service-orders';
import { toMicro } from '../../domain/money';
import { splitPayout } from '../../domain/payouts';
import { serviceOrderStateQuery, serviceOrderWorkflowId } from '../../workflows/service-order/contract';
import { createLogger } from '../../worker/logger';
import { type AgentReceiver, startAgentReceiver } from '../clients/agent-receiver';
import {
  apiClient,
  assertLedgerConsistent,
  availableMicro,
  createFundedAccount,
  createTestAccount,
} from '../harness/fixtures';
import { type Stack, startStack } from '../harness/stack';

type Json = Record<string, unknown>;
const REVIEW_WINDOW_S = 3;

describe('service orders (whole stack)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ config: { TASK_REVIEW_WINDOW_SECONDS: String(REVIEW_WINDOW_S) } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function account(kind: 'bot' | 'person', usdt = 0) {
    const a = await createFundedAccount(stack.db, usdt, { kind });
    return { ...a, call: apiClient(stack.url, a.apiKey) };
  }
  type Account = Awaited<ReturnType<typeof account>>;

  async function listed(seller: Account, price: number, deliveryHours = 24) {
    const res = await seller.call<Json>('POST', '/api/agents/me/services', {
      title: 'Logo design',
      description: 'A vector logo in two days',
      price,
      delivery_hours: deliveryHours,
    });
    expect(res.status).toBe(201);
    return res.body;
  }
  const order = (buyer: Account, serviceId: string, key = randomUUID(), brief = 'blue and round') =>
    buyer.call<Json>(
      'POST',
      '/api/service-orders',
      { service_id: serviceId, brief },
      { 'Idempotency-Key': key },
    );
  const step = (who: Account, orderId: string, name: string, body: Json = {}) =>
    who.call<Json>('POST', `/api/service-orders/${orderId}/${name}`, body);
  const escrowOf = async (orderId: string) =>
    (
      await stack.db.query<{ balance: number }>(
        `SELECT coalesce(sum(balance), 0)::bigint AS balance FROM ledger_accounts WHERE subject = $1`,
        [`service_order:${orderId}`],
      )
    ).rows[0].balance;
  const fee = (price: number) => splitPayout(toMicro(price)!, stack.config.PLATFORM_FEE_BPS, 0);
  async function until<T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
    for (let i = 0; i < 150; i++) {
      const v = await read();
      if (done(v)) return v;
      await new Promise((r) => setTimeout(r, 200));
    }
    return read();
  }

  it('shows a listed service under `services` on the bot’s profile', async () => {
    const seller = await account('bot');
    const service = await listed(seller, 12.5, 48);
    const profile = await seller.call<{ services: Json[] }>('GET', `/api/agents/${seller.id}`);
    expect(profile.status).toBe(200);
    expect(profile.body.services).toEqual([
      expect.objectContaining({ id: service.id, price: 12.5, delivery_hours: 48, seller_id: seller.id }),
    ]);
  });

  it('orders, accepts, delivers and approves: the seller gets price − fee, the buyer paid price once', async () => {
    const seller = await account('bot');
    const buyer = await account('person', 10);
    const service = await listed(seller, 4);
    const placed = await order(buyer, service.id as string);
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({
      status: 'pending',
      price: 4,
      buyer_id: buyer.id,
      seller_id: seller.id,
    });
    const id = placed.body.id as string;
    // Unanswered, it would expire SERVICE_ORDER_ACCEPT_HOURS after the order (deliver_by: 24 h after).
    expect(Date.parse(placed.body.accept_by as string) - Date.parse(placed.body.deliver_by as string)).toBe(
      (stack.config.SERVICE_ORDER_ACCEPT_HOURS - 24) * 3600_000,
    );
    expect(await availableMicro(stack.db, buyer.id)).toBe(toMicro(6));
    expect(await escrowOf(id)).toBe(toMicro(4));

    const pending = await seller.call<{ pending_service_orders: Json[]; notifications: Json[] }>(
      'GET',
      '/api/agents/me/pending',
    );
    expect(pending.body.pending_service_orders).toEqual([
      expect.objectContaining({ id, brief: 'blue and round' }),
    ]);

    expect((await step(seller, id, 'accept')).body).toMatchObject({ status: 'accepted' });
    const afterAccept = await seller.call<{ pending_service_orders: Json[] }>(
      'GET',
      '/api/agents/me/pending',
    );
    expect(afterAccept.body.pending_service_orders).toEqual([]);
    const delivered = await step(seller, id, 'deliver', { message: 'Attached: logo.svg' });
    expect(delivered.body).toMatchObject({ status: 'delivered', delivery_message: 'Attached: logo.svg' });
    const approved = await step(buyer, id, 'approve');
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({
      status: 'completed',
      decision: 'approved',
      payout: fee(4).net / 1e6,
      fee: fee(4).fee / 1e6,
    });
    expect(await availableMicro(stack.db, seller.id)).toBe(fee(4).net);
    expect(await availableMicro(stack.db, buyer.id)).toBe(toMicro(6));
    expect(await escrowOf(id)).toBe(0);
    const rated = await buyer.call<Json>('POST', `/api/service-orders/${id}/rating`, {
      stars: 5,
      comment: 'great',
    });
    expect(rated.status).toBe(201);
    expect(rated.body).toMatchObject({
      subject: 'service_order',
      subject_id: id,
      ratee_id: seller.id,
      stars: 5,
    });
    expect(
      (await buyer.call<Json>('POST', `/api/service-orders/${id}/rating`, { stars: 4 })).body,
    ).toMatchObject({
      code: 'rating_exists',
    });
    const profile = await buyer.call<{ rating: Json }>('GET', `/api/agents/${seller.id}`);
    expect(profile.body.rating).toEqual({ average: 5, count: 1 });
    const mine = await buyer.call<{ orders: Json[] }>('GET', '/api/service-orders?role=buyer');
    expect(mine.body.orders.map((o) => o.id)).toEqual([id]);
    await assertLedgerConsistent(stack.db);
  });

  it('tells a polling bot about a new order as a `service_order` notification', async () => {
    const seller = await account('bot');
    const buyer = await account('person', 1);
    const service = await listed(seller, 1);
    const id = (await order(buyer, service.id as string)).body.id as string;
    const seen: Json[] = [];
    await until(
      async () => {
        const r = await seller.call<{ notifications: Json[] }>('GET', '/api/agents/me/pending');
        seen.push(...r.body.notifications);
        return seen;
      },
      (s) => s.some((n) => n.type === 'service_order'),
    );
    expect(seen.find((n) => n.type === 'service_order')).toMatchObject({
      link: `/service-orders/${id}`,
      data: expect.objectContaining({ order_id: id, status: 'pending', brief: 'blue and round' }),
    });
  });

  it('pushes a new order to an events bot as a `service_order` webhook', async () => {
    let receiver: AgentReceiver | undefined;
    try {
      receiver = await startAgentReceiver(() => ({ body: { ok: true } }));
      const bot = await createTestAccount(stack.db, {
        kind: 'bot',
        webhookUrl: receiver.url,
        integration: 'events',
      });
      const seller = { ...bot, call: apiClient(stack.url, bot.apiKey) };
      const buyer = await account('person', 1);
      const service = await listed(seller, 1);
      const id = (await order(buyer, service.id as string)).body.id as string;
      const r = receiver;
      const bodies = await until(
        () => Promise.resolve(r.requests.map((q) => q.body as Json)),
        (b) => b.some((x) => x.event === 'service_order'),
      );
      expect(bodies.find((x) => x.event === 'service_order')).toMatchObject({
        event: 'service_order',
        data: expect.objectContaining({
          type: 'service_order',
          user_id: bot.id,
          data: expect.objectContaining({ order_id: id, status: 'pending', price: 1 }),
        }),
      });
    } finally {
      await receiver?.close();
    }
  });

  it('refunds the buyer in full when the bot declines', async () => {
    const seller = await account('bot');
    const buyer = await account('person', 3);
    const service = await listed(seller, 3);
    const id = (await order(buyer, service.id as string)).body.id as string;
    const early = await buyer.call<Json>('POST', `/api/service-orders/${id}/rating`, { stars: 1 });
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('rating_service_order_not_completed');
    const declined = await step(seller, id, 'decline');
    expect(declined.body).toMatchObject({ status: 'declined', refunded: 3 });
    expect(await availableMicro(stack.db, buyer.id)).toBe(toMicro(3));
    expect(await escrowOf(id)).toBe(0);
    expect((await step(seller, id, 'accept')).status).toBe(409);
  });

  it('approves and pays a delivery the buyer leaves unanswered when the review window ends', async () => {
    const seller = await account('bot');
    const buyer = await account('person', 2);
    const service = await listed(seller, 2);
    const id = (await order(buyer, service.id as string)).body.id as string;
    await step(seller, id, 'accept');
    const delivered = await step(seller, id, 'deliver', { message: 'done' });
    expect(
      Date.parse(delivered.body.review_deadline as string) -
        Date.parse(delivered.body.delivered_at as string),
    ).toBe(REVIEW_WINDOW_S * 1000);
    const done = await until(
      async () => (await buyer.call<Json>('GET', `/api/service-orders/${id}`)).body,
      (o) => o.status === 'completed',
    );
    expect(done).toMatchObject({
      status: 'completed',
      decision: 'auto_approved',
      closed_at: delivered.body.review_deadline,
    });
    expect(await availableMicro(stack.db, seller.id)).toBe(fee(2).net);
    expect((await step(buyer, id, 'approve')).status).toBe(409);
  });

  it('keeps the newest state when a timed-out write of an older one runs late, whichever reaches the row first', async () => {
    const seller = await account('bot');
    const buyer = await account('person', 2);
    const service = await listed(seller, 2);
    const id = (await order(buyer, service.id as string)).body.id as string;
    await step(seller, id, 'accept');
    await step(seller, id, 'deliver', { message: 'done' });
    expect((await step(buyer, id, 'approve')).body).toMatchObject({ status: 'completed' });
    const row = async () =>
      (
        await stack.db.query<{ status: string; decision: string | null; state_version: number }>(
          'SELECT status, decision, state_version FROM service_orders WHERE id = $1',
          [id],
        )
      ).rows[0];
    expect(await row()).toEqual({ status: 'completed', decision: 'approved', state_version: 3 });

    // The workflow's own snapshots of versions 2 (delivered) and 3 (completed), as it records them.
    const view = await stack.client.workflow
      .getHandle(serviceOrderWorkflowId(id))
      .query(serviceOrderStateQuery);
    const { price: _price, acceptBy: _acceptBy, ...completed } = view;
    const delivered = { ...completed, status: 'delivered' as const, decision: null, closedAt: null };
    const { recordServiceOrder } = createServiceOrderActivities({
      db: stack.db,
      config: stack.config,
      logger: createLogger('silent', 'test'),
      temporal: stack.client,
    });
    for (let round = 0; round < 6; round++) {
      // Both writes wait behind a lock on the row, then race for it, in either order.
      const lock = await stack.db.connect();
      try {
        await lock.query('BEGIN');
        await lock.query('SELECT 1 FROM service_orders WHERE id = $1 FOR UPDATE', [id]);
        const older = () =>
          recordServiceOrder({ ...delivered, payoutNet: null, payoutFee: null, stateVersion: 2 });
        const newer = () => recordServiceOrder({ ...completed, stateVersion: 3 });
        const writes = round % 2 ? [newer(), older()] : [older(), newer()];
        await new Promise((r) => setTimeout(r, 50));
        await lock.query('COMMIT');
        await Promise.all(writes);
      } finally {
        lock.release();
      }
      expect(await row()).toEqual({ status: 'completed', decision: 'approved', state_version: 3 });
    }
  });

  it('refuses to cancel an accepted order before deliver_by (409, nothing moves), and refunds a pending one', async () => {
    const seller = await account('bot');
    const buyer = await account('person', 2);
    const service = await listed(seller, 1);
    const first = (await order(buyer, service.id as string)).body.id as string;
    await step(seller, first, 'accept');
    const early = await step(buyer, first, 'cancel');
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ code: 'service_order_not_overdue' });
    expect(await escrowOf(first)).toBe(toMicro(1));

    const second = (await order(buyer, service.id as string)).body.id as string;
    expect((await step(buyer, second, 'cancel')).body).toMatchObject({ status: 'cancelled', refunded: 1 });
    expect(await availableMicro(stack.db, buyer.id)).toBe(toMicro(1));
  });

  it('answers a retried order with the same Idempotency-Key with the same order, charged once', async () => {
    const seller = await account('bot');
    const buyer = await account('person', 10);
    const service = await listed(seller, 2.5);
    const key = randomUUID();
    const first = await order(buyer, service.id as string, key);
    const again = await order(buyer, service.id as string, key);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await order(buyer, service.id as string, key, 'another brief')).status).toBe(422);
    const rows = await stack.db.query('SELECT id FROM service_orders WHERE buyer_id = $1', [buyer.id]);
    expect(rows.rows).toEqual([{ id: first.body.id }]);
    expect(await availableMicro(stack.db, buyer.id)).toBe(toMicro(7.5));
  });

  async function callTool(apiKey: string, name: string, args: Json) {
    const res = await fetch(`${stack.url}/api/v1/mcp`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-API-Key': apiKey },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: randomUUID(),
        method: 'tools/call',
        params: { name, arguments: args },
      }),
    });
    const rpc = (await res.json()) as { result?: { isError?: boolean; structuredContent?: Json } };
    if (!rpc.result) throw new Error(`tools/call ${name} failed`);
    return rpc.result;
  }

  it('runs an order through the MCP tools, and charges a retried order_service without a key once', async () => {
    const seller = await account('bot');
    const buyer = await account('bot', 5);
    const listing = await callTool(seller.apiKey, 'create_service', {
      title: 'Summary',
      description: 'One page',
      price: 2,
      delivery_hours: 12,
    });
    const serviceId = listing.structuredContent!.id as string;
    const args = { service_id: serviceId, brief: `summarise ${randomUUID()}` };
    const first = await callTool(buyer.apiKey, 'order_service', args);
    const again = await callTool(buyer.apiKey, 'order_service', args);
    expect(first.isError).toBeFalsy();
    expect(again.structuredContent!.id).toBe(first.structuredContent!.id);
    expect(await availableMicro(stack.db, buyer.id)).toBe(toMicro(3));
    const id = first.structuredContent!.id as string;

    const mine = await callTool(seller.apiKey, 'list_service_orders', { role: 'seller' });
    expect((mine.structuredContent!.orders as Json[]).map((o) => o.id)).toEqual([id]);
    await callTool(seller.apiKey, 'update_service_order', { order_id: id, action: 'accept' });
    const noMessage = await callTool(seller.apiKey, 'update_service_order', {
      order_id: id,
      action: 'deliver',
    });
    expect(noMessage.isError).toBe(true);
    await callTool(seller.apiKey, 'update_service_order', {
      order_id: id,
      action: 'deliver',
      message: 'done',
    });
    const approved = await callTool(buyer.apiKey, 'update_service_order', {
      order_id: id,
      action: 'approve',
    });
    expect(approved.structuredContent).toMatchObject({ status: 'completed', payout: fee(2).net / 1e6 });
    const rated = await callTool(buyer.apiKey, 'rate_service_order', { order_id: id, stars: 4 });
    expect(rated.structuredContent).toMatchObject({ subject: 'service_order', stars: 4 });
    expect(await availableMicro(stack.db, seller.id)).toBe(fee(2).net);
  });

  it('refuses an order without an Idempotency-Key (400) and charges nothing', async () => {
    const seller = await account('bot');
    const buyer = await account('person', 5);
    const service = await listed(seller, 1);
    const res = await buyer.call<Json>('POST', '/api/service-orders', { service_id: service.id, brief: 'x' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('idempotency_key_required');
    expect(await availableMicro(stack.db, buyer.id)).toBe(toMicro(5));
  });

  describe('bad input → 400 with a code, nothing changed', () => {
    const NUL = 'a\u0000b';
    it.each<[string, Json]>([
      ['a non-uuid service_id', { service_id: 'not-a-uuid', brief: 'x' }],
      ['a numeric service_id', { service_id: 5, brief: 'x' }],
      ['a NUL in the brief', { service_id: '00000000-0000-4000-8000-000000000000', brief: NUL }],
      ['an overlong brief', { service_id: '00000000-0000-4000-8000-000000000000', brief: 'x'.repeat(5001) }],
      ['a numeric brief', { service_id: '00000000-0000-4000-8000-000000000000', brief: 42 }],
      ['a missing brief', { service_id: '00000000-0000-4000-8000-000000000000' }],
    ])('orders: %s', async (_what, body) => {
      const buyer = await account('person', 5);
      const res = await buyer.call<Json>('POST', '/api/service-orders', body, {
        'Idempotency-Key': randomUUID(),
      });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation');
      const rows = await stack.db.query('SELECT 1 FROM service_orders WHERE buyer_id = $1', [buyer.id]);
      expect(rows.rowCount).toBe(0);
      expect(await availableMicro(stack.db, buyer.id)).toBe(toMicro(5));
    });

    const good = { title: 'T', description: 'D', price: 1, delivery_hours: 2 };
    it.each<[string, Json]>([
      ['a zero price', { ...good, price: 0 }],
      ['a negative price', { ...good, price: -1 }],
      ['a price beyond micro-USDT precision', { ...good, price: 1.0000001 }],
      ['a price as a string', { ...good, price: '1.00' }],
      ['fractional delivery_hours', { ...good, delivery_hours: 1.5 }],
      ['zero delivery_hours', { ...good, delivery_hours: 0 }],
      ['a NUL in the title', { ...good, title: NUL }],
      ['an overlong title', { ...good, title: 'x'.repeat(201) }],
      ['a numeric description', { ...good, description: 7 }],
    ])('services: %s', async (_what, body) => {
      const seller = await account('bot');
      const res = await seller.call<Json>('POST', '/api/agents/me/services', body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation');
      const rows = await stack.db.query('SELECT 1 FROM services WHERE seller_id = $1', [seller.id]);
      expect(rows.rowCount).toBe(0);
    });

    it.each<[string, string, Json]>([
      ['a non-uuid order id', 'not-a-uuid/accept', {}],
      ['a NUL in a delivery message', '00000000-0000-4000-8000-000000000000/deliver', { message: NUL }],
      [
        'an overlong delivery message',
        '00000000-0000-4000-8000-000000000000/deliver',
        { message: 'x'.repeat(5001) },
      ],
      [
        'file_ids that are not uuids',
        '00000000-0000-4000-8000-000000000000/deliver',
        { message: 'x', file_ids: ['not-a-uuid'] },
      ],
      [
        'an unknown field beside the message',
        '00000000-0000-4000-8000-000000000000/deliver',
        { message: 'x', files: ['00000000-0000-4000-8000-000000000000'] },
      ],
      ['a numeric revision reason', '00000000-0000-4000-8000-000000000000/revision', { reason: 3 }],
    ])('steps: %s', async (_what, path, body) => {
      const who = await account('bot');
      const res = await who.call<Json>('POST', `/api/service-orders/${path}`, body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation');
    });
  });
});
