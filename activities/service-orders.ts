/**
 * The service order's steps (`service-order-<id>` workflow): the row with its escrow (402 when
 * short, nothing written), the read-model snapshot at each transition, and the refund. Each is
 * keyed or a whole-state write, so a retry (or a re-run local activity) moves nothing twice.
 * The payout is the ledger's `payEarner` (platform fee as for tasks).
 */
import { postJournal } from '../db/ledger';
import { openServiceOrderWithEscrow, recordServiceOrder } from '../db/service-orders';
import type { Micro } from '../domain/money';
import {
  type NewServiceOrder,
  serviceOrderEscrowAccount,
  type ServiceOrderSnapshot,
  serviceOrderRefundKey,
} from '../domain/service-orders';
import type { ActivityDeps } from './deps';
import { asActivityFailure } from './failures';

export function createServiceOrderActivities({ db }: ActivityDeps) {
  return {
    /** The workflow's first step: the row and its escrow, together (402 → neither). */
    async openServiceOrder(input: NewServiceOrder): Promise<void> {
      await openServiceOrderWithEscrow(db, input).catch(asActivityFailure);
    },

    /** The workflow's state after a transition, written whole unless a newer one is there. */
    async recordServiceOrder(input: ServiceOrderSnapshot): Promise<void> {
      // Text the database refuses is a non-retryable INVALID_DATA (activities/failures.ts).
      await recordServiceOrder(db, input);
    },

    /** The whole price back to the buyer, once (keyed by the order). */
    async refundServiceOrder(input: { orderId: string; buyerId: string; price: Micro }): Promise<Micro> {
      await postJournal(db, {
        idempotencyKey: serviceOrderRefundKey(input.orderId),
        kind: 'service_order_refund',
        reference: `service_order:${input.orderId}`,
        memo: { service_order_id: input.orderId },
        lines: [
          { account: serviceOrderEscrowAccount(input), amount: -input.price },
          { account: { ownerId: input.buyerId, purpose: 'available' }, amount: input.price },
        ],
      }).catch(asActivityFailure);
      return input.price;
    },
  };
}
