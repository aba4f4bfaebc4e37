/**
 * The soak's service orders (docs/SERVICE-ORDERS.md): bots list a service, a buyer orders it with
 * an Idempotency-Key (every fourth order sent twice with that key: one order, charged once), and
 * each order is driven to an end the checks know — approved by the buyer, left to the review window
 * (TASK_REVIEW_WINDOW_SECONDS, 20 s in the soak), declined by the seller, or cancelled by the buyer
 * while pending. Each order's escrow is owned by its `service-order-<id>` workflow on the workers
 * the soak kills.
 */
import { randomUUID } from 'node:crypto';
import { expectStatus } from './soak-http';
import { type Actor, type LoadContext, type OrderPlan, pick, sleep } from './soak-shared';

const PLANS: OrderPlan[] = ['approve', 'auto_approve', 'decline', 'cancel'];
const FINAL = new Set(['completed', 'declined', 'cancelled', 'expired']);

export async function orderLoop(ctx: LoadContext, buyer: Actor, sellers: Actor[]): Promise<void> {
  const { call, started, live } = ctx;
  const services: Array<{ id: string; seller: Actor }> = [];
  for (const seller of sellers) {
    const listed = expectStatus(
      'service',
      await call('POST', '/api/agents/me/services', {
        key: seller.key,
        // A repeat lists a second service: harmless, so retried.
        retry: true,
        body: {
          title: 'soak service',
          description: 'done while processes die',
          price: 2,
          delivery_hours: 24,
        },
      }),
      201,
    );
    services.push({ id: String(listed.json.id), seller });
  }
  let n = 0;
  while (live()) {
    const plan = PLANS[n % PLANS.length];
    const resend = n++ % 4 === 1;
    const service = pick(services);
    const key = randomUUID();
    const order = () =>
      call('POST', '/api/service-orders', {
        key: buyer.key,
        idem: key,
        body: { service_id: service.id, brief: `soak order ${n}` },
      });
    const placed = await order();
    if (placed.status !== 201) {
      await sleep(500);
      continue;
    }
    const id = String(placed.json.id);
    started.orders.push({ id, plan });
    if (resend) {
      const again = await order();
      if (again.status >= 200 && again.status < 300) {
        if (again.json.id === id) started.orderResends.same++;
        else started.orderResends.different++;
      }
    }
    await driveOrder(ctx, id, plan, buyer, service.seller);
    await sleep(1000);
  }
  await finishOrders(ctx, buyer, sellers);
}

const step = (ctx: LoadContext, who: Actor, id: string, name: string, body: Record<string, unknown> = {}) =>
  ctx.call('POST', `/api/service-orders/${id}/${name}`, { key: who.key, body, retry: true });

async function driveOrder(ctx: LoadContext, id: string, plan: OrderPlan, buyer: Actor, seller: Actor) {
  if (plan === 'decline') await step(ctx, seller, id, 'decline');
  else if (plan === 'cancel') await step(ctx, buyer, id, 'cancel');
  else {
    await step(ctx, seller, id, 'accept');
    await step(ctx, seller, id, 'deliver', { message: 'soak delivery' });
    if (plan === 'approve') await step(ctx, buyer, id, 'approve');
  }
}

/**
 * After the load: every order of the buyer not yet final (a step whose answer never came, or an
 * order whose placing answer was lost) is moved on as the parties would — a pending one cancelled
 * by the buyer, an accepted one delivered (its review window then completes it) — so no escrow
 * waits for the 72 h and 7-day deadlines.
 */
async function finishOrders(ctx: LoadContext, buyer: Actor, sellers: Actor[]): Promise<void> {
  const known = new Set(ctx.started.orders.map((o) => o.id));
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const page = await ctx.call('GET', `/api/service-orders?role=buyer&limit=100${query}`, {
      key: buyer.key,
    });
    if (page.status !== 200) return;
    const orders = page.json.orders as Array<{ id: string; status: string; seller_id: string }>;
    for (const o of orders) {
      if (!known.has(o.id)) ctx.started.orders.push({ id: o.id, plan: 'found' });
      if (FINAL.has(o.status)) continue;
      const seller = sellers.find((s) => s.id === o.seller_id);
      if (o.status === 'pending') await step(ctx, buyer, o.id, 'cancel');
      else if (o.status === 'accepted' && seller)
        await step(ctx, seller, o.id, 'deliver', { message: 'late' });
    }
    cursor = page.json.has_more ? String(page.json.next_cursor) : null;
  } while (cursor);
}
