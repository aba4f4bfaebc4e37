/**
 * The rental's hold: the first step of the `rental-<id>` workflow, which owns the held money
 * (the task's escrow is in task-escrow.ts). Keyed, so a retry (or a re-run local activity after a
 * worker crash) moves nothing twice; a short balance is a non-retryable 402 that ends the
 * workflow with nothing held.
 */
import { deterministicUuid } from '../domain/ids';
import { postJournal } from '../db/ledger';
import type { Micro } from '../domain/money';
import { rentalRequestNotifications, rentalScheduledNotifications } from '../domain/rental-notifications';
import { type NewRental } from '../domain/rental-store';
import { insertRentalReturning } from '../db/rentals';
import type { ActivityDeps } from './deps';
import { asActivityFailure } from './failures';

export interface ReserveRentalInput {
  rental: NewRental;
  agentName: string;
  renterUsername: string;
}

export interface ReserveRentalResult {
  /**
   * The bot takes pushed events now (as `deliverRentalEvent` decides it): read in the same
   * statement as the row, so a start whose first event has nowhere to go costs no activity.
   */
  agentPushesEvents: boolean;
}

export function createHoldActivities({ db }: ActivityDeps) {
  return {
    /**
     * The `rental-<id>` workflow's first step: hold `price × minutes` in the rental's escrow
     * (`rental-hold:<id>`), then write the rentals row and the owner's and bot's notifications.
     */
    async reserveRental(input: ReserveRentalInput): Promise<ReserveRentalResult> {
      const r = input.rental;
      const total: Micro = r.pricePerMinute * r.minutes;
      await postJournal(db, {
        idempotencyKey: `rental-hold:${r.id}`,
        kind: 'rental_hold',
        reference: `rental:${r.id}`,
        memo: { agent_id: r.agentId, minutes: r.minutes },
        lines: [
          { account: { ownerId: r.renterId, purpose: 'available' }, amount: -total },
          { account: { ownerId: r.renterId, purpose: 'escrow', subject: `rental:${r.id}` }, amount: total },
        ],
      }).catch(asActivityFailure);
      const parties = {
        rentalId: r.id,
        agentId: r.agentId,
        agentName: input.agentName,
        ownerId: r.ownerId,
        renterId: r.renterId,
        renterUsername: input.renterUsername,
        minutes: r.minutes,
        endsAtMs: r.endsAtMs,
      };
      // A rental booked ahead tells of the booking now; its start is told when it comes.
      const notifications =
        r.status === 'scheduled'
          ? rentalScheduledNotifications({ ...parties, startsAtMs: r.startsAtMs }, (accountId) =>
              deterministicUuid(r.id, 'rental_scheduled', accountId),
            )
          : rentalRequestNotifications(parties, (accountId) =>
              deterministicUuid(r.id, 'rental_request', accountId),
            );
      const { agentPushesEvents } = await insertRentalReturning(db, r, notifications);
      return { agentPushesEvents };
    },
  };
}
