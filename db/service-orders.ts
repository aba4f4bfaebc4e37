/**
 * Postgres for service orders (issue 23.1): the services a bot lists and the read model of each
 * `service-order-<id>` workflow. The workflow decides; these statements record what it decided.
 */
import type { Micro } from '../domain/money';
import {
  type NewServiceOrder,
  serviceOrderEscrowAccount,
  serviceOrderEscrowKey,
  type ServiceOrderSnapshot,
  type ServiceOrderRow,
  type ServiceRow,
} from '../domain/service-orders';
import { type KeysetAfter, keyParams, keyTime } from './keyset';
import { postJournal } from './ledger';
import { type Db, type Queryable, withTransaction } from './pool';

const SERVICE_COLUMNS = 'id, seller_id, title, description, price, delivery_hours, created_at';

export async function insertService(
  db: Queryable,
  s: {
    id: string;
    sellerId: string;
    title: string;
    description: string;
    price: Micro;
    deliveryHours: number;
  },
): Promise<ServiceRow> {
  const r = await db.query<ServiceRow>(
    `INSERT INTO services (id, seller_id, title, description, price, delivery_hours)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${SERVICE_COLUMNS}`,
    [s.id, s.sellerId, s.title, s.description, s.price, s.deliveryHours],
  );
  return r.rows[0];
}

export const countServicesOf = async (db: Queryable, sellerId: string): Promise<number> =>
  (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM services WHERE seller_id = $1', [sellerId]))
    .rows[0].n;

/** A bot's services, oldest first (what its profile shows). */
export const servicesOf = async (db: Queryable, sellerId: string): Promise<ServiceRow[]> =>
  (
    await db.query<ServiceRow>(
      `SELECT ${SERVICE_COLUMNS} FROM services WHERE seller_id = $1 ORDER BY created_at, id`,
      [sellerId],
    )
  ).rows;

export const findService = async (db: Queryable, id: string): Promise<ServiceRow | undefined> =>
  (await db.query<ServiceRow>(`SELECT ${SERVICE_COLUMNS} FROM services WHERE id = $1`, [id])).rows[0];

const ORDER_COLUMNS = `id, service_id, buyer_id, seller_id, title, brief, price, delivery_hours, status,
  created_at, accept_by, accepted_at, deliver_by, delivered_at, delivery_message,
  review_deadline, revision_reason, revisions, decision, closed_at, payout_net, payout_fee, refunded`;

export const findServiceOrder = async (db: Queryable, id: string): Promise<ServiceOrderRow | undefined> =>
  (await db.query<ServiceOrderRow>(`SELECT ${ORDER_COLUMNS} FROM service_orders WHERE id = $1`, [id]))
    .rows[0];

/**
 * The `service-order-<id>` workflow's first step: the row and the escrow in ONE transaction, so a
 * short balance (402) leaves neither. Repeatable: the insert and the keyed posting are no-ops the
 * second time.
 */
export async function openServiceOrderWithEscrow(db: Db, o: NewServiceOrder): Promise<void> {
  await withTransaction(db, async (tx) => {
    await tx.query(
      `INSERT INTO service_orders (id, service_id, buyer_id, seller_id, title, brief, price, delivery_hours,
                                   deliver_by, accept_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING`,
      [
        o.orderId,
        o.serviceId,
        o.buyerId,
        o.sellerId,
        o.title,
        o.brief,
        o.price,
        o.deliveryHours,
        o.deliverBy,
        o.acceptBy,
      ],
    );
    await postJournal(tx, {
      idempotencyKey: serviceOrderEscrowKey(o.orderId),
      kind: 'service_order_escrow',
      reference: `service_order:${o.orderId}`,
      memo: { service_order_id: o.orderId, service_id: o.serviceId, price: o.price },
      lines: [
        { account: { ownerId: o.buyerId, purpose: 'available' }, amount: -o.price },
        { account: serviceOrderEscrowAccount(o), amount: o.price },
      ],
    });
  });
}

/** Writes the workflow's snapshot of the order (the whole state: a retry writes the same). */
/**
 * Writes a snapshot whole, unless the row already holds a newer one: an attempt that timed out can
 * still run after its retry and after later transitions were recorded (`state_version`, the
 * workflow's transition count). A snapshot without a version (a run recorded before the guard)
 * is written as before.
 */
export async function recordServiceOrder(db: Queryable, r: ServiceOrderSnapshot): Promise<void> {
  await db.query(
    `UPDATE service_orders SET status = $2, accepted_at = $3, deliver_by = $4, delivered_at = $5,
            delivery_message = $6, review_deadline = $7, revision_reason = $8, revisions = $9, decision = $10,
            closed_at = $11, payout_net = $12, payout_fee = $13, refunded = $14,
            state_version = coalesce($15, state_version)
      WHERE id = $1 AND ($15::integer IS NULL OR state_version < $15)`,
    [
      r.orderId,
      r.status,
      r.acceptedAt,
      r.deliverBy,
      r.deliveredAt,
      r.deliveryMessage,
      r.reviewDeadline,
      r.revisionReason,
      r.revisions,
      r.decision,
      r.closedAt,
      r.payoutNet,
      r.payoutFee,
      r.refunded,
      r.stateVersion ?? null,
    ],
  );
}

/** Orders waiting for the seller's answer, oldest first (`pending_service_orders`). */
export const pendingOrdersOfSeller = async (db: Queryable, sellerId: string, limit: number) =>
  (
    await db.query<ServiceOrderRow>(
      `SELECT ${ORDER_COLUMNS} FROM service_orders WHERE seller_id = $1 AND status = 'pending'
        ORDER BY created_at, id LIMIT $2`,
      [sellerId, limit],
    )
  ).rows;

/** An account's orders as buyer or seller, newest first, a keyset page at a time. */
export const serviceOrdersOf = (
  db: Queryable,
  role: 'buyer' | 'seller',
  accountId: string,
  after: KeysetAfter,
  take: number,
) =>
  db.query<ServiceOrderRow & { key_time: string }>(
    `SELECT ${ORDER_COLUMNS}, ${keyTime('created_at')} AS key_time FROM service_orders
      WHERE ${role === 'buyer' ? 'buyer_id' : 'seller_id'} = $1
        AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
      ORDER BY created_at DESC, id DESC LIMIT $4`,
    [accountId, ...keyParams(after, 2), take],
  );
