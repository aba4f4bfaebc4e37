/**
 * The first steps of the workflows that own held money (rental, task) and the task lifecycle's
 * writes. Each is keyed, so a retry (or a re-run local activity after a worker crash) moves nothing
 * twice; a short balance is a non-retryable 402 that ends the owning workflow with nothing held.
 */
import { ApplicationFailure } from '@temporalio/common';
import { deterministicUuid } from '../domain/ids';
import { pgErrorCode } from '../db/pool';
import { ErrorCode } from '../domain/errors';
import { postJournal } from '../db/ledger';
import type { Micro } from '../domain/money';
import { rentalRequestNotifications } from '../domain/rental-notifications';
import { type NewRental } from '../domain/rental-store';
import { insertRentalReturning } from '../db/rentals';
import { type CancelTaskOutcome, type NewTask, type TaskStatus } from '../domain/task-store';
import { cancelTaskWithRefund, openTaskWithEscrow, taskEscrowState } from '../db/tasks';
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

/** Constraint violations are the input's fault: retrying them would never end. */
function asNonRetryableConstraint(err: unknown): never {
  const code = pgErrorCode(err);
  if (code?.startsWith('23') && code !== '23514')
    throw ApplicationFailure.nonRetryable(`invalid input (${code})`, ErrorCode.Validation);
  asActivityFailure(err);
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
      const { agentPushesEvents } = await insertRentalReturning(
        db,
        r,
        rentalRequestNotifications(
          {
            rentalId: r.id,
            agentId: r.agentId,
            agentName: input.agentName,
            ownerId: r.ownerId,
            renterId: r.renterId,
            renterUsername: input.renterUsername,
            minutes: r.minutes,
            endsAtMs: r.endsAtMs,
          },
          (accountId) => deterministicUuid(r.id, 'rental_request', accountId),
        ),
      );
      return { agentPushesEvents };
    },

    /** The `task-<id>` workflow's first step: the row and its escrow, together (402 → neither). */
    async openTask(input: NewTask): Promise<void> {
      await openTaskWithEscrow(db, input).catch(asNonRetryableConstraint);
    },

    /** Cancel + refund of the slots not taken, one transaction (see cancelTaskWithRefund). */
    async cancelTaskWithRefund(input: { taskId: string }): Promise<CancelTaskOutcome> {
      return cancelTaskWithRefund(db, input.taskId);
    },

    async taskEscrowState(input: { taskId: string }): Promise<{ status: TaskStatus | null; escrow: Micro }> {
      return taskEscrowState(db, input.taskId);
    },
  };
}
