/**
 * The soak's checks of service orders: each order the load placed ended (completed, declined,
 * cancelled or expired), its escrow was posted once and is empty, and it left through exactly one
 * door — the seller's payout for a completed order, the buyer's refund for any other end.
 */
import type pg from 'pg';
import type { Started } from './soak-shared';

export interface Tally {
  lose(n: number, what: string): void;
  twice(n: number, what: string): void;
}

export async function checkOrders(db: pg.Pool, started: Started, tally: Tally): Promise<string> {
  const { lose, twice } = tally;
  const ids = started.orders.map((o) => o.id);
  const { rows } = await db.query<{
    id: string;
    status: string;
    price: string;
    balance: string;
    escrows: string;
    payouts: string;
    refunds: string;
    detail: string;
  }>(
    `SELECT o.id, o.status, o.price,
            json_build_object('created_at', o.created_at, 'accepted_at', o.accepted_at, 'delivered_at', o.delivered_at,
                              'review_deadline', o.review_deadline, 'delivery_message', o.delivery_message, 'now', now())::text AS detail, COALESCE(a.balance, 0) AS balance,
            (SELECT count(*) FROM ledger_journals j WHERE j.reference = 'service_order:' || o.id AND j.kind = 'service_order_escrow') AS escrows,
            (SELECT count(*) FROM ledger_journals j WHERE j.reference = 'service_order:' || o.id AND j.kind = 'service_order_payout') AS payouts,
            (SELECT count(*) FROM ledger_journals j WHERE j.reference = 'service_order:' || o.id AND j.kind = 'service_order_refund') AS refunds
       FROM service_orders o
       LEFT JOIN ledger_accounts a ON a.purpose = 'escrow' AND a.subject = 'service_order:' || o.id
      WHERE o.id = ANY($1::uuid[])`,
    [ids],
  );
  lose(new Set(ids).size - rows.length, 'service orders placed but without a row');
  const byStatus: Record<string, number> = {};
  for (const o of rows) {
    byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;
    const [escrows, payouts, refunds] = [Number(o.escrows), Number(o.payouts), Number(o.refunds)];
    if (escrows > 1) twice(1, `service order ${o.id}: price held ${escrows} times`);
    if (payouts + refunds > 1) twice(1, `service order ${o.id}: ${payouts} payouts and ${refunds} refunds`);
    if (!['completed', 'declined', 'cancelled', 'expired'].includes(o.status)) {
      lose(1, `service order ${o.id} still ${o.status} ${o.detail}`);
      continue;
    }
    if (Number(o.balance) !== 0) lose(1, `service order ${o.id} escrow still holds ${o.balance}`);
    const door = o.status === 'completed' ? payouts : refunds;
    if (door === 0)
      lose(
        1,
        `service order ${o.id} ${o.status} without its ${o.status === 'completed' ? 'payout' : 'refund'}`,
      );
    if (o.status === 'completed' && refunds > 0) twice(1, `service order ${o.id} completed and refunded`);
    if (o.status !== 'completed' && payouts > 0) twice(1, `service order ${o.id} ${o.status} and paid out`);
  }
  const { same, different } = started.orderResends;
  twice(different, 'service orders placed twice under one Idempotency-Key');
  const statuses = Object.entries(byStatus)
    .sort()
    .map(([s, n]) => `${s} ${n}`)
    .join(', ');
  return `service orders: ${rows.length} (${statuses}); ${same} re-sent with the same key, one order each`;
}
