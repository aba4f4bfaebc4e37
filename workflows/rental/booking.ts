/**
 * The pre-start phase of a rental booked ahead (issue 25), awaited by the workflow after the hold
 * and before its active lifecycle:
 *
 *   held ──> scheduled ──(starts_at − 10 min: rental_reminder)──(starts_at: durable timer)──> active
 *                │
 *                └── cancelRental (renter or owner) ──> whole hold refunded ──> ended, settled
 *
 * Only runs whose input says `bookedAhead` come here (old runs never have it: no patch marker).
 * The agent hears `rental_scheduled` through the same route as every rental event; a bot that
 * takes no pushes already has it as a notification written with the row (rental-hold.ts).
 */
import { condition, log, setHandler, upsertSearchAttributes, uuid4 } from '@temporalio/workflow';
import { reminderAtMs } from '../../domain/rental-booking';
import { rentalEventPayload, rentalSubject } from '../../domain/rental-events';
import { rentalScheduledBody } from '../../domain/rental-notifications';
import { SA } from '../../domain/search-attributes';
import { type CancelRentalInput, cancelRentalUpdate, type RentalView } from './contract';
import { isPermanentFailure } from '../failures';
import { emit } from './events';
import { act } from './proxies';
import type { RentalState } from './state';

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Waits for the booked start. 'started': the rental is `active` now and its minutes count from
 * `starts_at`; 'cancelled': the hold went back and the run is settled (nothing else to do).
 */
/**
 * `cancelRental`, registered by every run (so a cancel of a rental that was never booked ahead is
 * refused by the validator, not left waiting): before the start it ends the rental; the pre-start
 * phase below sees the end and refunds.
 */
export function handleCancel(state: RentalState): void {
  setHandler(
    cancelRentalUpdate,
    async (u: CancelRentalInput): Promise<RentalView> => {
      // The validator ran before; the start may have come in the same activation.
      state.validateCancel(u);
      const by = state.roleOf(u.byAccountId) === 'renter' ? 'renter' : 'owner';
      state.end(by, u.reason ?? 'cancelled before the start', Date.now());
      await condition(() => state.settled);
      return state.view();
    },
    { validator: (u) => state.validateCancel(u) },
  );
}

/**
 * Waits for the booked start. 'started': the rental is `active` now and its minutes count from
 * `starts_at`; 'cancelled': the hold went back and the run is settled (nothing else to do).
 */
export async function awaitBookedStart(
  state: RentalState,
  bookedAtMs: number,
  agentPushesEvents: boolean,
): Promise<'started' | 'cancelled'> {
  if (agentPushesEvents) await tellBooked(state);
  const remindAt = reminderAtMs(state.startsAtMs, bookedAtMs);
  if (!(await condition(() => state.ended, Math.max(1, remindAt - Date.now())))) await remind(state);
  // A durable timer: a worker restart or a deploy in between changes nothing.
  const cancelled = await condition(() => state.ended, Math.max(1, state.startsAtMs - Date.now()));
  if (!cancelled) {
    state.markStarted();
    upsertSearchAttributes([{ key: SA.BusinessStatus, value: state.status }]);
    await act.recordRentalState(state.stateUpdate());
    return 'started';
  }
  await refundCancelled(state, state.endedBy === 'owner' ? 'owner' : 'renter');
  return 'cancelled';
}

async function tellBooked(state: RentalState): Promise<void> {
  const { input } = state;
  await emit(
    state,
    'rental_scheduled',
    'scheduled',
    `Rental booked by ${input.renterUsername}`,
    rentalScheduledBody({ ...input, startsAtMs: state.startsAtMs }),
    {
      renter_id: input.renterId,
      minutes: input.minutes,
      starts_at: iso(state.startsAtMs),
      ends_at: iso(state.endsAtMs),
    },
  );
}

async function remind(state: RentalState): Promise<void> {
  await emit(
    state,
    'rental_reminder',
    'reminder',
    'Rental starts soon',
    `Your rental by ${state.input.renterUsername} starts at ${iso(state.startsAtMs)}.`,
    { starts_at: iso(state.startsAtMs) },
  );
}

/** The whole hold back to the renter (keyed: a retry moves nothing twice), then the news. */
async function refundCancelled(state: RentalState, by: 'renter' | 'owner'): Promise<void> {
  const { input } = state;
  const s = state.settleCancelled();
  await act.postLedger({
    idempotencyKey: `rental-cancel:${input.rentalId}`,
    kind: 'rental_refund',
    reference: `rental:${input.rentalId}`,
    memo: { minutes: state.paidMinutes, cancelled: true },
    lines: [
      {
        account: { ownerId: input.renterId, purpose: 'escrow', subject: `rental:${input.rentalId}` },
        amount: -s.refund,
      },
      { account: { ownerId: input.renterId, purpose: 'available' }, amount: s.refund },
    ],
  });
  upsertSearchAttributes([{ key: SA.BusinessStatus, value: state.status }]);
  await act.recordRentalState(state.stateUpdate());
  state.markSettled();
  const startsAt = iso(state.startsAtMs);
  await emit(
    state,
    'rental_cancelled',
    'cancelled',
    'Rental cancelled',
    `The rental booked by ${input.renterUsername} from ${startsAt} was cancelled by the ${by}.`,
    { cancelled_by: by, starts_at: startsAt },
  );
  if (by === 'owner') await tellRenter(state, startsAt);
}

/** The bot's owner cancelled: the renter hears it as an in-app notification. */
async function tellRenter(state: RentalState, startsAt: string): Promise<void> {
  const { input } = state;
  await act
    .deliverRentalEvent({
      eventKey: `rental:${input.rentalId}:cancelled:renter`,
      accountId: input.renterId,
      policy: 'agent-events',
      event: 'rental_cancelled',
      subject: rentalSubject(input.rentalId),
      notifyIfPolling: true,
      payload: rentalEventPayload({
        event: 'rental_cancelled',
        eventId: uuid4(),
        botId: input.renterId,
        rentalId: input.rentalId,
        title: 'Rental cancelled',
        body: `${input.agentName}'s owner cancelled your rental from ${startsAt}; the full price is back in your balance.`,
        details: { renter_username: input.renterUsername, cancelled_by: 'owner', starts_at: startsAt },
        at: new Date().toISOString(),
      }),
    })
    .catch((err: unknown) => {
      // As events.ts: a notification that can never be written must not fail the settled rental.
      if (!isPermanentFailure(err)) throw err;
      log.error('rental cancel notice not written', { rentalId: input.rentalId, error: String(err) });
    });
}
