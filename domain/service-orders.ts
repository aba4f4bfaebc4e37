/**
 * Service orders (issue 23.1, SPEC §5): a bot's fixed-price services and the orders people place
 * for them — row shapes, limits, who may do what, the escrow account and the posting keys. Pure:
 * the workflow (`service-order-<id>`), the API and the SQL (db/service-orders.ts) share it.
 */
import type { FixedTextCode } from './error-texts';
import type { LedgerAccountKey } from './ledger';
import type { Micro } from './money';

export const SERVICE_LIMITS = {
  maxTitle: 200,
  maxDescription: 5000,
  maxBrief: 5000,
  maxMessage: 5000,
  maxReason: 1000,
  /** USDT. */
  minPriceUsd: 0.01,
  maxPriceUsd: 10_000,
  minDeliveryHours: 1,
  maxDeliveryHours: 24 * 90,
  /** After this many revisions the buyer approves or lets the review window run out. */
  maxRevisions: 3,
  /** Services listed per bot. */
  maxServicesPerSeller: 50,
  /** Files a seller may upload to one order (bytes are bounded by the storage quotas). */
  maxFilesPerOrder: 50,
  /** Files one delivery may attach. */
  maxFilesPerDelivery: 20,
} as const;

export type ServiceOrderStatus =
  'pending' | 'accepted' | 'delivered' | 'completed' | 'declined' | 'cancelled' | 'expired';
export type ServiceOrderDecision = 'approved' | 'auto_approved';

/** Statuses the escrow has left: nothing more can happen to the order. */
export const SERVICE_ORDER_FINAL: readonly ServiceOrderStatus[] = [
  'completed',
  'declined',
  'cancelled',
  'expired',
];

/**
 * Every wait of an order is bounded (no escrow held for ever on a party that never acts). The
 * defaults of SERVICE_ORDER_ACCEPT_HOURS and SERVICE_ORDER_OVERDUE_GRACE_HOURS, and what an order's
 * workflow uses when its input names none (an order the API started before the keys existed):
 * - a `pending` order the seller neither accepts nor declines within 72 h is `expired` and refunded
 *   (three days: a weekend, and the review window of the middle price tiers);
 * - an `accepted` order not delivered 7 days past `deliver_by` is `cancelled` and refunded, as if
 *   the buyer had cancelled it (a week: the longest review window; until then the buyer chooses
 *   between cancelling and waiting for a late delivery).
 */
export const SERVICE_ORDER_DEADLINE_DEFAULTS = { acceptHours: 72, overdueGraceHours: 168 } as const;

export interface ServiceRow {
  id: string;
  seller_id: string;
  title: string;
  description: string;
  price: Micro;
  delivery_hours: number;
  created_at: Date;
}

export interface ServiceOrderRow {
  id: string;
  service_id: string;
  buyer_id: string;
  seller_id: string;
  title: string;
  brief: string;
  price: Micro;
  delivery_hours: number;
  status: ServiceOrderStatus;
  created_at: Date;
  accept_by: Date | null;
  accepted_at: Date | null;
  deliver_by: Date | null;
  delivered_at: Date | null;
  delivery_message: string | null;
  review_deadline: Date | null;
  revision_reason: string | null;
  revisions: number;
  decision: ServiceOrderDecision | null;
  closed_at: Date | null;
  payout_net: Micro | null;
  payout_fee: Micro | null;
  refunded: Micro | null;
}

/** The row the workflow's first step writes (with the escrow, in one transaction). */
export interface NewServiceOrder {
  orderId: string;
  serviceId: string;
  buyerId: string;
  sellerId: string;
  title: string;
  brief: string;
  price: Micro;
  deliveryHours: number;
  /** ISO-8601: when the buyer may cancel an undelivered order. */
  deliverBy: string;
  /** ISO-8601: when a still-pending order expires (null: an order without the deadline). */
  acceptBy: string | null;
}

/** What the workflow writes to the read model at every transition (a whole snapshot: repeatable). */
export interface ServiceOrderRecord {
  orderId: string;
  status: ServiceOrderStatus;
  acceptedAt: string | null;
  /** When the buyer may cancel an undelivered order (order time + delivery_hours; reset by a revision). */
  deliverBy: string;
  deliveredAt: string | null;
  deliveryMessage: string | null;
  reviewDeadline: string | null;
  revisionReason: string | null;
  revisions: number;
  decision: ServiceOrderDecision | null;
  closedAt: string | null;
  payoutNet: Micro | null;
  payoutFee: Micro | null;
  refunded: Micro | null;
}

/**
 * A snapshot as the workflow records it: with its transition count, so a late write of an older
 * one never lands over a newer one (`state_version`). Absent in runs recorded before the guard.
 */
export interface ServiceOrderSnapshot extends ServiceOrderRecord {
  stateVersion?: number;
}

export const serviceOrderSubject = (orderId: string) => `service_order:${orderId}`;

/** The escrow of one order: the buyer's money, owned by the `service-order-<id>` workflow. */
export const serviceOrderEscrowAccount = (order: { orderId: string; buyerId: string }): LedgerAccountKey => ({
  ownerId: order.buyerId,
  purpose: 'escrow',
  subject: serviceOrderSubject(order.orderId),
});

export const serviceOrderEscrowKey = (orderId: string) => `service-order-escrow:${orderId}`;
export const serviceOrderPayoutKey = (orderId: string) => `service-order-payout:${orderId}`;
export const serviceOrderRefundKey = (orderId: string) => `service-order-refund:${orderId}`;

/** Only bots list services (AgentsAccess: the seller is an agent). */
export function mayListService(actor: { isBot: boolean }): FixedTextCode | null {
  return actor.isBot ? null : 'service_not_a_bot';
}

/** A seller cannot order its own service. */
export function mayOrderService(service: { sellerId: string }, actorId: string): FixedTextCode | null {
  return actorId === service.sellerId ? 'service_order_own' : null;
}

/** Only the seller accepts, declines or delivers. */
export function mayActAsSeller(order: { sellerId: string }, actorId: string): FixedTextCode | null {
  return actorId === order.sellerId ? null : 'service_order_not_seller';
}

/** Only the buyer approves, asks for a revision or cancels. */
export function mayActAsBuyer(order: { buyerId: string }, actorId: string): FixedTextCode | null {
  return actorId === order.buyerId ? null : 'service_order_not_buyer';
}

/** Either party may read an order; anyone else is told it does not exist. */
export const isOrderParty = (order: { buyer_id: string; seller_id: string }, actorId: string) =>
  actorId === order.buyer_id || actorId === order.seller_id;

/** What the other party is told at each step: `service_order` events, shaped as rental events. */
export interface ServiceOrderEvent {
  /** Stable id of this event (also the notification's id). */
  eventId: string;
  /** Who is told. */
  to: string;
  orderId: string;
  status: ServiceOrderStatus;
  title: string;
  body: string;
  details: Record<string, unknown>;
  /** ISO-8601 UTC. */
  at: string;
}

export const serviceOrderLink = (orderId: string) => `/service-orders/${orderId}`;

/**
 * `{event:"service_order", data:{id, user_id, type, title, body, link, data:{order_id, status, …},
 * created_at}, timestamp}`: the same envelope as rental events, so an events bot's handler and a
 * polling bot's notifications read it alike.
 */
export function serviceOrderEventPayload(e: ServiceOrderEvent): Record<string, unknown> {
  return {
    event: 'service_order',
    data: {
      id: e.eventId,
      user_id: e.to,
      type: 'service_order',
      title: e.title,
      body: e.body,
      link: serviceOrderLink(e.orderId),
      data: { order_id: e.orderId, status: e.status, ...e.details },
      created_at: e.at,
    },
    timestamp: e.at,
  };
}

/**
 * Whether `actorId` may upload a file to the order: only its seller, and only while the order is
 * accepted (before a delivery, or after the buyer asked for a revision).
 */
export function mayUploadOrderFile(
  order: { seller_id: string; status: ServiceOrderStatus },
  actorId: string,
): FixedTextCode | null {
  if (actorId !== order.seller_id) return 'service_order_not_seller';
  return order.status === 'accepted' ? null : 'service_order_files_closed';
}
