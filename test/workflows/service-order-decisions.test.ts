/**
 * The service-order lifecycle on the time-skipping server, driven through the same use-cases as
 * the REST API, with the production activities against the real Postgres of this run.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { randomUUID } from 'node:crypto';
import type { Principal } from '../../api/auth';
import type { ApiDeps } from '../../api/deps';
import { toAppError } from '../../api/errors';
import {
  createService,
  orderService,
  serviceOrderStep,
  type ServiceOrderStep,
} from '../../api/use-cases/service-orders';
import type { Db } from '../../db/pool';
import { balanceOf } from '../../db/ledger';
import { deterministicUuid } from '../../domain/ids';
import { toMicro } from '../../domain/money';
import { splitPayout } from '../../domain/payouts';
import { SA } from '../../domain/search-attributes';
import { REVIEW_WINDOW_TIERS } from '../../domain/task-rules';
import { serviceOrderStateQuery, serviceOrderWorkflowId } from '../../workflows/service-order/contract';
import { assertLedgerConsistent, availableMicro, createFundedAccount } from '../harness/fixtures';
import { maybeRecordHistory } from '../harness/record';
import { startTimeSkippingWorker, type TimeSkippingWorker } from '../harness/time-skipping-worker';

const HOUR = 60 * 60 * 1000;

describe('service-order workflow (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let db: Db;
  let deps: ApiDeps;
  let harness: TimeSkippingWorker | undefined;

  beforeAll(async () => {
    harness = await startTimeSkippingWorker();
    ({ env, db, deps } = harness);
  }, 120_000);

  afterAll(async () => {
    await harness?.stop();
  });

  async function account(kind: 'bot' | 'person', usdt = 0): Promise<Principal & { id: string }> {
    const a = await createFundedAccount(db, usdt, { kind });
    return { id: a.id, accountId: a.id, role: 'user', isBot: kind === 'bot', via: 'api_key' };
  }

  /** A bot selling one service at `price` USDT, and a person with `funds` USDT who orders it. */
  async function ordered(price: number, deliveryHours = 24, funds = price) {
    const seller = await account('bot');
    const buyer = await account('person', funds);
    const service = await createService(deps, seller, {
      title: `logo ${randomUUID()}`,
      description: 'a vector logo',
      price: toMicro(price)!,
      delivery_hours: deliveryHours,
    });
    const order = await orderService(
      deps,
      buyer,
      { service_id: service.id, brief: 'blue, round' },
      randomUUID(),
    );
    return { seller, buyer, service, order };
  }

  const step = (who: Principal, orderId: string, s: ServiceOrderStep, extra: Record<string, string> = {}) =>
    serviceOrderStep(deps, who, { order_id: orderId, step: s, ...extra });
  /** The refusal a step ends with, as the API would answer it. */
  const refusal = async (p: Promise<unknown>) => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    const app = toAppError(err);
    return app ? { kind: app.code, code: app.wireCode } : err;
  };
  const handle = (orderId: string) => env.client.workflow.getHandle(serviceOrderWorkflowId(orderId));
  const escrow = (buyerId: string, orderId: string) =>
    balanceOf(db, { ownerId: buyerId, purpose: 'escrow', subject: `service_order:${orderId}` });
  const net = (price: number) => splitPayout(toMicro(price)!, deps.config.PLATFORM_FEE_BPS, 0);

  it('holds the price in escrow owned by the order, and pays the seller price − fee once on approval', async () => {
    const { seller, buyer, order } = await ordered(5);
    expect(order).toMatchObject({ status: 'pending', price: 5 });
    expect(await availableMicro(db, buyer.id)).toBe(0);
    expect(await escrow(buyer.id, order.id)).toBe(toMicro(5));

    expect(await step(seller, order.id, 'accept')).toMatchObject({ status: 'accepted' });
    const delivered = await step(seller, order.id, 'deliver', { message: 'here is the logo' });
    expect(delivered).toMatchObject({ status: 'delivered', delivery_message: 'here is the logo' });
    expect(Date.parse(delivered.review_deadline!) - Date.parse(delivered.delivered_at!)).toBe(
      REVIEW_WINDOW_TIERS[1].windowMs,
    );
    const approved = await step(buyer, order.id, 'approve');
    const { net: paid, fee } = net(5);
    expect(approved).toMatchObject({
      status: 'completed',
      decision: 'approved',
      payout: paid / 1e6,
      fee: fee / 1e6,
    });

    const final = await handle(order.id).result();
    expect(final.payoutNet).toBe(paid);
    expect(await availableMicro(db, seller.id)).toBe(paid);
    expect(await escrow(buyer.id, order.id)).toBe(0);
    const payouts = await db.query('SELECT 1 FROM ledger_journals WHERE idempotency_key = $1', [
      `service-order-payout:${order.id}`,
    ]);
    expect(payouts.rowCount).toBe(1);
    await assertLedgerConsistent(db);
    maybeRecordHistory(env.address, serviceOrderWorkflowId(order.id), 'service-order-approve');
  });

  it('pays an approval that arrives while the delivery is still being recorded (the stuck order of the soak)', async () => {
    const { seller, buyer, order } = await ordered(2);
    await step(seller, order.id, 'accept');
    const state = async () => (await handle(order.id).query(serviceOrderStateQuery)).status;
    const until = async (status: string) => {
      while ((await state()) !== status) await new Promise((r) => setTimeout(r, 50));
    };
    // The row is locked: the delivery's snapshot waits, and the approval is taken meanwhile.
    const lock = await db.connect();
    try {
      await lock.query('BEGIN');
      await lock.query('SELECT 1 FROM service_orders WHERE id = $1 FOR UPDATE', [order.id]);
      const delivering = step(seller, order.id, 'deliver', { message: 'here it is' });
      await until('delivered');
      const approving = step(buyer, order.id, 'approve');
      await until('completed');
      await lock.query('COMMIT');
      await delivering;
      expect(await approving).toMatchObject({ status: 'completed', decision: 'approved' });
    } finally {
      lock.release();
    }
    const final = await handle(order.id).result();
    expect(final.payoutNet).toBe(net(2).net);
    expect(await availableMicro(db, seller.id)).toBe(net(2).net);
    expect(await escrow(buyer.id, order.id)).toBe(0);
  });

  it('shows the status and the amounts in the Temporal UI (search attributes and memo)', async () => {
    const { seller, buyer, order } = await ordered(2);
    await step(seller, order.id, 'accept');
    await step(seller, order.id, 'deliver', { message: 'done' });
    await step(buyer, order.id, 'approve');
    await handle(order.id).result();
    const d = await handle(order.id).describe();
    expect(d.typedSearchAttributes.get(SA.WorkflowKind)).toBe('service-order');
    expect(d.typedSearchAttributes.get(SA.BusinessStatus)).toBe('completed');
    expect(d.typedSearchAttributes.get(SA.SubjectId)).toBe(order.id);
    expect(d.typedSearchAttributes.get(SA.AmountMicro)).toBe(toMicro(2));
    expect(d.typedSearchAttributes.get(SA.AccountIds)).toEqual([buyer.id, seller.id]);
    const memo = (await d.memo) as { summary?: string } | undefined;
    expect(memo?.summary).toContain(`completed; paid ${net(2).net / 1e6} USDT to the seller`);
  });

  it('refunds the whole price when the seller declines, and refuses any later step with 409', async () => {
    const { seller, buyer, order } = await ordered(3);
    const declined = await step(seller, order.id, 'decline');
    expect(declined).toMatchObject({ status: 'declined', refunded: 3 });
    expect(await availableMicro(db, buyer.id)).toBe(toMicro(3));
    expect(await escrow(buyer.id, order.id)).toBe(0);
    expect((await handle(order.id).result()).status).toBe('declined');
    expect(await refusal(step(seller, order.id, 'accept'))).toEqual({ kind: 'CONFLICT', code: 'conflict' });
    await assertLedgerConsistent(db);
    maybeRecordHistory(env.address, serviceOrderWorkflowId(order.id), 'service-order-decline');
  });

  it('auto-approves a delivery exactly when its review window ends, dated at the deadline, and pays once', async () => {
    const { seller, buyer, order } = await ordered(0.5);
    await step(seller, order.id, 'accept');
    const delivered = await step(seller, order.id, 'deliver', { message: 'done' });
    const windowMs = REVIEW_WINDOW_TIERS[0].windowMs;

    await env.sleep(windowMs - 1000);
    expect((await handle(order.id).query(serviceOrderStateQuery)).status).toBe('delivered');
    expect(await availableMicro(db, seller.id)).toBe(0);

    await env.sleep(1000);
    const final = await handle(order.id).result();
    expect(final).toMatchObject({
      status: 'completed',
      decision: 'auto_approved',
      closedAt: delivered.review_deadline,
    });
    expect(await availableMicro(db, seller.id)).toBe(net(0.5).net);
    expect(await refusal(step(buyer, order.id, 'approve'))).toEqual({ kind: 'CONFLICT', code: 'conflict' });
    await assertLedgerConsistent(db);
    maybeRecordHistory(env.address, serviceOrderWorkflowId(order.id), 'service-order-auto-approve');
  });

  it('lets the buyer cancel an accepted order for a refund only once delivery is overdue', async () => {
    const { seller, buyer, order } = await ordered(4, 10);
    await step(seller, order.id, 'accept');
    expect(await refusal(step(buyer, order.id, 'cancel'))).toEqual({
      kind: 'CONFLICT',
      code: 'service_order_not_overdue',
    });

    await env.sleep(10 * HOUR);
    const cancelled = await step(buyer, order.id, 'cancel');
    expect(cancelled).toMatchObject({ status: 'cancelled', refunded: 4 });
    expect(await availableMicro(db, buyer.id)).toBe(toMicro(4));
    expect(await availableMicro(db, seller.id)).toBe(0);
    expect(await refusal(step(seller, order.id, 'deliver', { message: 'late' }))).toEqual({
      kind: 'CONFLICT',
      code: 'conflict',
    });
    await assertLedgerConsistent(db);
    maybeRecordHistory(env.address, serviceOrderWorkflowId(order.id), 'service-order-overdue-cancel');
  });

  /** The `service_order` notifications of an account, oldest first: [title, status]. */
  const toldOf = async (accountId: string, orderId: string) =>
    (
      await db.query<{ title: string; status: string }>(
        `SELECT title, data->>'status' AS status FROM notifications
          WHERE account_id = $1 AND type = 'service_order' AND data->>'order_id' = $2 ORDER BY created_at, title`,
        [accountId, orderId],
      )
    ).rows.map((r) => [r.title, r.status]);
  const refunds = async (orderId: string) =>
    (
      await db.query('SELECT 1 FROM ledger_journals WHERE idempotency_key = $1', [
        `service-order-refund:${orderId}`,
      ])
    ).rowCount;

  it('expires a pending order the seller never answers when the accept window ends: refunded in full, both told', async () => {
    const acceptMs = deps.config.SERVICE_ORDER_ACCEPT_HOURS * HOUR;
    const { seller, buyer, order } = await ordered(3);
    // Both from the order's start: deliver_by = start + 24 h, accept_by = start + the window.
    expect(Date.parse(order.accept_by!) - Date.parse(order.deliver_by!)).toBe(acceptMs - 24 * HOUR);

    await env.sleep(acceptMs - 1000);
    expect((await handle(order.id).query(serviceOrderStateQuery)).status).toBe('pending');
    expect(await availableMicro(db, buyer.id)).toBe(0);

    await env.sleep(1000);
    expect(await handle(order.id).result()).toMatchObject({
      status: 'expired',
      closedAt: order.accept_by,
      refunded: toMicro(3),
    });
    expect(await availableMicro(db, buyer.id)).toBe(toMicro(3));
    expect(await escrow(buyer.id, order.id)).toBe(0);
    expect(await refunds(order.id)).toBe(1);
    const expired = ['Service order expired: not accepted in time', 'expired'];
    expect(await toldOf(buyer.id, order.id)).toEqual([expired]);
    expect(await toldOf(seller.id, order.id)).toEqual([['New service order', 'pending'], expired]);
    expect(await refusal(step(seller, order.id, 'accept'))).toEqual({ kind: 'CONFLICT', code: 'conflict' });
    await assertLedgerConsistent(db);
    maybeRecordHistory(env.address, serviceOrderWorkflowId(order.id), 'service-order-expired');
  });

  it('keeps an order the seller accepts in the last second of the accept window', async () => {
    const { seller, order } = await ordered(1);
    await env.sleep(deps.config.SERVICE_ORDER_ACCEPT_HOURS * HOUR - 1000);
    expect(await step(seller, order.id, 'accept')).toMatchObject({ status: 'accepted' });
    await env.sleep(2000);
    expect((await handle(order.id).query(serviceOrderStateQuery)).status).toBe('accepted');
  });

  it('cancels an accepted order still undelivered when the grace past deliver_by ends: refunded in full, both told', async () => {
    const graceMs = deps.config.SERVICE_ORDER_OVERDUE_GRACE_HOURS * HOUR;
    const { seller, buyer, order } = await ordered(4, 10);
    await step(seller, order.id, 'accept');

    await env.sleep(10 * HOUR + graceMs - 1000);
    expect((await handle(order.id).query(serviceOrderStateQuery)).status).toBe('accepted');
    expect(await availableMicro(db, buyer.id)).toBe(0);

    await env.sleep(1000);
    expect(await handle(order.id).result()).toMatchObject({
      status: 'cancelled',
      closedAt: new Date(Date.parse(order.deliver_by!) + graceMs).toISOString(),
      refunded: toMicro(4),
    });
    expect(await availableMicro(db, buyer.id)).toBe(toMicro(4));
    expect(await availableMicro(db, seller.id)).toBe(0);
    expect(await refunds(order.id)).toBe(1);
    const cancelled = ['Service order cancelled: not delivered in time', 'cancelled'];
    expect(await toldOf(buyer.id, order.id)).toEqual([cancelled]);
    expect(await toldOf(seller.id, order.id)).toEqual([['New service order', 'pending'], cancelled]);
    expect(await refusal(step(seller, order.id, 'deliver', { message: 'late' }))).toEqual({
      kind: 'CONFLICT',
      code: 'conflict',
    });
    await assertLedgerConsistent(db);
    maybeRecordHistory(env.address, serviceOrderWorkflowId(order.id), 'service-order-overdue-auto-cancel');
  });

  it('lets a late delivery within the grace stand: the review window follows, then the seller is paid', async () => {
    const graceMs = deps.config.SERVICE_ORDER_OVERDUE_GRACE_HOURS * HOUR;
    const { seller, order } = await ordered(0.5, 10);
    await step(seller, order.id, 'accept');
    await env.sleep(10 * HOUR + graceMs - 1000);
    expect(await step(seller, order.id, 'deliver', { message: 'late, sorry' })).toMatchObject({
      status: 'delivered',
    });
    await env.sleep(2000);
    expect((await handle(order.id).query(serviceOrderStateQuery)).status).toBe('delivered');
    await env.sleep(REVIEW_WINDOW_TIERS[0].windowMs);
    expect(await handle(order.id).result()).toMatchObject({ status: 'completed', decision: 'auto_approved' });
    expect(await availableMicro(db, seller.id)).toBe(net(0.5).net);
  });

  it('sends a delivery back on a revision with a new delivery period, then pays on approval', async () => {
    const { seller, buyer, order } = await ordered(1, 5);
    await step(seller, order.id, 'accept');
    await step(seller, order.id, 'deliver', { message: 'v1' });
    await env.sleep(6 * HOUR);
    const revised = await step(buyer, order.id, 'revision', { reason: 'make it red' });
    expect(revised).toMatchObject({ status: 'accepted', revisions: 1, revision_reason: 'make it red' });
    // The original deadline (order + 5 h) has passed; the revision gives 5 h from now.
    expect(Date.parse(revised.deliver_by!)).toBeGreaterThan(Date.parse(order.created_at) + 6 * HOUR);
    expect(await refusal(step(buyer, order.id, 'cancel'))).toEqual({
      kind: 'CONFLICT',
      code: 'service_order_not_overdue',
    });
    await step(seller, order.id, 'deliver', { message: 'v2' });
    expect(await step(buyer, order.id, 'approve')).toMatchObject({
      status: 'completed',
      delivery_message: 'v2',
    });
    expect(await availableMicro(db, seller.id)).toBe(net(1).net);
  });

  it('refuses a fourth revision: the buyer approves or lets the window run out', async () => {
    const { seller, buyer, order } = await ordered(1);
    await step(seller, order.id, 'accept');
    for (let i = 0; i < 3; i++) {
      await step(seller, order.id, 'deliver', { message: `v${i}` });
      await step(buyer, order.id, 'revision', { reason: 'again' });
    }
    await step(seller, order.id, 'deliver', { message: 'v3' });
    expect(await refusal(step(buyer, order.id, 'revision', { reason: 'again' }))).toEqual({
      kind: 'CONFLICT',
      code: 'service_order_revisions_used',
    });
  });

  it('lets only the seller accept and deliver, and only the buyer approve or cancel', async () => {
    const { seller, buyer, order } = await ordered(1);
    expect(await refusal(step(buyer, order.id, 'accept'))).toEqual({
      kind: 'FORBIDDEN',
      code: 'service_order_not_seller',
    });
    expect(await refusal(step(seller, order.id, 'cancel'))).toEqual({
      kind: 'FORBIDDEN',
      code: 'service_order_not_buyer',
    });
    const stranger = await account('bot');
    expect(await refusal(step(stranger, order.id, 'accept'))).toEqual({
      kind: 'NOT_FOUND',
      code: 'not_found',
    });
    expect((await handle(order.id).query(serviceOrderStateQuery)).status).toBe('pending');
  });

  it('lets the buyer cancel a pending order at once, refunded', async () => {
    const { buyer, order } = await ordered(2);
    expect(await step(buyer, order.id, 'cancel')).toMatchObject({ status: 'cancelled', refunded: 2 });
    expect(await availableMicro(db, buyer.id)).toBe(toMicro(2));
  });

  it('answers 402 when the buyer is short, writes nothing and shows the run as refused', async () => {
    const seller = await account('bot');
    const buyer = await account('person', 1);
    const service = await createService(deps, seller, {
      title: 'essay',
      description: 'an essay',
      price: toMicro(1.5)!,
      delivery_hours: 24,
    });
    const key = randomUUID();
    expect(await refusal(orderService(deps, buyer, { service_id: service.id, brief: 'x' }, key))).toEqual({
      kind: 'INSUFFICIENT_BALANCE',
      code: 'insufficient_balance',
    });
    expect(await availableMicro(db, buyer.id)).toBe(toMicro(1));
    const rows = await db.query('SELECT 1 FROM service_orders WHERE buyer_id = $1', [buyer.id]);
    expect(rows.rowCount).toBe(0);
    // The operator sees the refused run as such, not as a pending order.
    const run = handle(deterministicUuid(buyer.id, 'service-order', key));
    expect((await run.describe()).typedSearchAttributes.get(SA.BusinessStatus)).toBe('refused');
  });

  it('refuses a person listing a service and a bot ordering its own', async () => {
    const person = await account('person', 5);
    const input = { title: 't', description: 'd', price: toMicro(1)!, delivery_hours: 1 };
    expect(await refusal(createService(deps, person, input))).toEqual({
      kind: 'FORBIDDEN',
      code: 'service_not_a_bot',
    });
    const seller = await account('bot', 5);
    const service = await createService(deps, seller, input);
    expect(
      await refusal(orderService(deps, seller, { service_id: service.id, brief: 'x' }, randomUUID())),
    ).toEqual({ kind: 'FORBIDDEN', code: 'service_order_own' });
    expect(await availableMicro(db, seller.id)).toBe(toMicro(5));
  });
});
