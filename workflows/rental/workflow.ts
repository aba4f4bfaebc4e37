/**
 * One rental, from the paid hold to its settlement (`rental-<rental_id>`):
 *
 *   started ──> active ──(< 5 min left: one-shot warning)──> ending_soon ──(clock)──> ended ──> settled once
 *                 │  ^                                          │
 *                 │  └──────────── extendRental (timers move, warning re-armed) ──┘
 *                 ├── endRental (renter, owner, operator) ─────────────────────────> ended
 *                 └── silence guard (a renter message unanswered max_silence_minutes) ─> ended
 *
 * A rental booked ahead (`bookedAhead`) is `scheduled` between the hold and `started` (booking.ts):
 * reminded 10 minutes before, cancellable with a full refund, started by a durable timer.
 *
 * The workflow holds price × minutes in the rental's escrow as its first step (update-with-start:
 * the API's `rentalReserved` update answers when it is held, 402 when short; rentals started before
 * that were held by the API); extensions hold more through a keyed posting here. At the end the elapsed minutes (started minutes round up)
 * go to the owner through payEarner and the unused whole minutes back to the renter — each posting
 * keyed by the rental id, so a retry or a crash in between pays nothing twice.
 *
 * The silence guard (`maxSilenceMinutes`, patch `silence-guard`): a durable timer from the oldest
 * renter message the agent has not answered; when it runs out the transcript decides, and a
 * silent agent's rental ends as an early end does (`endedReason: 'agent_silent'`), same postings.
 *
 * Health-gated billing (patches `health-minute-checks`, `health-gated-billing`; issue 25.3): a
 * proxy agent is health-checked once a minute while the rental is active, and the settlement
 * leaves out the started minutes it was demonstrably unavailable for — same keyed postings, the
 * owner's gross smaller and the refund larger (domain/rental-availability.ts).
 */
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { ReserveRentalResult } from '../../activities/rental-hold';
import { ErrorCode } from '../../domain/errors';
import type { LedgerAccountKey } from '../../domain/ledger';
import { times } from '../../domain/money';
import { decideSilence, silenceLimitMs } from '../../domain/rental-silence';
import { rentalRequestNotifications } from '../../domain/rental-notifications';
import { billedMinutes, rentalCode } from '../../domain/rental-settlement';
import type { NewRental } from '../../domain/rental-store';
import { LEGACY_SA, SA, SEARCH_ATTRIBUTES_V2 } from '../../domain/search-attributes';
import {
  chatWithAgentUpdate,
  type EndRentalInput,
  endRentalUpdate,
  type ExtendRentalInput,
  extendRentalUpdate,
  postRentalMessageUpdate,
  type RentalInput,
  rentalMemo,
  rentalReservedUpdate,
  rentalSearchAttributes,
  rentalStatusQuery,
  type RentalView,
  renterMessageUnansweredSignal,
} from './contract';
import { awaitBookedStart, handleCancel } from './booking';
import { chat, closeTranscript, postMessage } from './chat';
import { emit } from './events';
import { act, check, local } from './proxies';
import { RentalState } from './state';
import { passOn } from '../failures';
import { showRefused } from '../opening';

/**
 * patched() id: the first run skips re-upserting the search attributes and memo the start already
 * set, and records the start with a local activity.
 */
const LEAN_START = 'rental-lean-start';
/**
 * patched() id, taken only by runs whose input has `maxSilenceMinutes` (issue 25.4): they time
 * unanswered renter messages and may end early for silence. Runs without it never ask.
 */
const SILENCE_GUARD = 'silence-guard';
/**
 * patched() id (issue 25.3): the run health-checks its proxy agent once a minute while active,
 * each check an activity in the background that stores its outcome (activities/rental-health.ts).
 */
const HEALTH_MINUTE_CHECKS = 'health-minute-checks';
/**
 * patched() id (issue 25.3): the settlement leaves out the started minutes the agent was
 * demonstrably unavailable for (domain/rental-availability.ts): the owner's gross shrinks and the
 * keyed refund grows by their price; nothing billed → no settlement posting at all.
 */
const HEALTH_GATED_BILLING = 'health-gated-billing';

export async function rentalWorkflow(input: RentalInput): Promise<RentalView> {
  const state = new RentalState(input, Date.now());
  setHandler(rentalStatusQuery, () => state.view());
  setHandler(extendRentalUpdate, (u) => extend(state, u), { validator: (u) => state.validateExtend(u) });
  setHandler(endRentalUpdate, (u) => end(state, u), { validator: (u) => state.validateEnd(u) });
  setHandler(
    postRentalMessageUpdate,
    // The update answers a StoredRentalMessage, as it always did.
    (u) =>
      postMessage(state, u.senderId, u.content, act.storeRentalMessage, false, u.messageId).then(
        ({ agentIntegration: _read, ...m }) => m,
      ),
    {
      validator: (u) => state.validateMessage(u),
    },
  );
  setHandler(chatWithAgentUpdate, (u) => chat(state, u), { validator: (u) => state.validateChat(u) });
  handleCancel(state);
  if (input.maxSilenceMinutes !== undefined && patched(SILENCE_GUARD))
    state.silenceLimitMs = silenceLimitMs(input.maxSilenceMinutes);
  // Sent by the API only for rentals with a guard; a run without one ignores it.
  setHandler(renterMessageUnansweredSignal, ({ seq }) => state.noteUnanswered(seq, Date.now()));
  if (patched(HEALTH_MINUTE_CHECKS)) state.healthChecks = true;
  const reservation = new Reservation();
  setHandler(rentalReservedUpdate, async () => {
    await reservation.outcome();
    return state.view();
  });

  // A continued run re-marks itself; a first run already has what rentalStartOptions set (contract).
  // A one-task start (contract: `oneTaskStart`) is lean by its input, with no patch marker.
  const lean = !input.carried && (input.oneTaskStart === true || patched(LEAN_START));
  if (!lean) markSearchable(state);
  // Rentals started with `holdFunds` own their hold from its first cent (older ones: the API held).
  let firstEventHasRoute = true;
  if (input.holdFunds && !input.carried) {
    const reserved = await reserve(state, reservation);
    // Recorded in the local activity's marker, so a replay takes the same branch.
    firstEventHasRoute = input.oneTaskStart !== true || reserved?.agentPushesEvents !== false;
  } else reservation.held = true;
  // Booked ahead (contract: `bookedAhead`, its own version gate): scheduled until the start.
  if (input.bookedAhead && !input.carried) {
    const booked = await awaitBookedStart(state, Date.now(), firstEventHasRoute);
    if (booked === 'cancelled') {
      await condition(() => allHandlersFinished() && state.pendingEvents === 0);
      return state.view();
    }
  }
  if (!input.carried) await begin(state, lean, firstEventHasRoute);
  while (!state.ended) {
    if (historyIsLarge(input)) {
      // A check still running would be dropped with this run, and its minute's evidence with it.
      await condition(() => allHandlersFinished() && state.pendingEvents === 0 && state.pendingChecks === 0);
      if (!state.ended) return await continueAsNew<typeof rentalWorkflow>(state.carry());
    } else if (state.warningDue(Date.now())) {
      await warn(state);
    } else if (Date.now() >= state.endsAtMs) {
      await endByClock(state);
    } else if (state.silenceDue(Date.now())) {
      await checkSilence(state);
    } else if (state.healthCheckDue(Date.now())) {
      checkHealth(state);
    } else {
      const seen = state.changes;
      await condition(
        () => state.changes !== seen || historyIsLarge(input),
        state.msUntilNextDeadline(Date.now()),
      );
    }
  }
  // Events still being scheduled (a chat's, see chat.ts) go before the settlement and `rental_ended`.
  await condition(() => state.pendingExtensions === 0 && state.pendingEvents === 0);
  await settle(state);
  await condition(() => allHandlersFinished() && state.pendingEvents === 0);
  return state.view();
}

const historyIsLarge = (input: RentalInput) =>
  workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= (input.historyLimit ?? 2000);

const escrowOf = (input: RentalInput): LedgerAccountKey => ({
  ownerId: input.renterId,
  purpose: 'escrow',
  subject: `rental:${input.rentalId}`,
});

/** Every run (also after continue-as-new) carries the search attributes, current status and memo. */
function markSearchable(state: RentalState): void {
  upsertSearchAttributes([
    ...rentalSearchAttributes(state.input).filter((a) => a.key !== SA.BusinessStatus),
    // Runs recorded before SQL visibility's Keyword budget also upserted RenterId.
    ...(patched(SEARCH_ATTRIBUTES_V2) ? [] : [{ key: LEGACY_SA.RenterId, value: state.input.renterId }]),
    { key: SA.BusinessStatus, value: state.status },
  ]);
  upsertMemo(rentalMemo(state.input));
}

/** The outcome of the first step, awaited by the `rentalReserved` update. */
class Reservation {
  held: boolean | undefined;
  failure: ApplicationFailure | undefined;

  async outcome(): Promise<void> {
    await condition(() => this.held !== undefined);
    if (!this.held)
      throw this.failure ?? ApplicationFailure.nonRetryable('funds could not be held', ErrorCode.Unavailable);
  }
}

/** The rentals row as the start writes it (by `reserve`, or by `begin` for older rentals). */
const newRentalRow = ({ input, startsAtMs, endsAtMs }: RentalState): NewRental => ({
  id: input.rentalId,
  code: rentalCode(input.rentalId),
  agentId: input.agentId,
  renterId: input.renterId,
  ownerId: input.ownerId,
  channel: input.channel,
  minutes: input.minutes,
  pricePerMinute: input.pricePerMinute,
  startsAtMs,
  endsAtMs,
  // Booked ahead: the row says so until the start (booking.ts).
  ...(input.bookedAhead ? { status: 'scheduled' as const } : {}),
  ...(input.maxSilenceMinutes === undefined ? {} : { maxSilenceMinutes: input.maxSilenceMinutes }),
});

/**
 * Holds price × minutes and writes the rentals row (one keyed local activity). A short balance
 * ends the workflow as failed with nothing held, so the same Idempotency-Key may start it again.
 */
async function reserve(
  state: RentalState,
  reservation: Reservation,
): Promise<ReserveRentalResult | undefined> {
  const { input } = state;
  try {
    // undefined in histories recorded before the activity answered anything.
    const reserved = await local.reserveRental({
      rental: newRentalRow(state),
      agentName: input.agentName,
      renterUsername: input.renterUsername,
    });
    reservation.held = true;
    return reserved;
  } catch (err) {
    reservation.held = false;
    const cause = err instanceof ActivityFailure ? err.cause : err;
    reservation.failure = cause instanceof ApplicationFailure ? passOn(cause) : undefined;
    if (reservation.failure) showRefused();
    await condition(allHandlersFinished);
    throw reservation.failure ?? err;
  }
}

/** `firstEventHasRoute` false: the bot takes no pushed events, so `rental_request` goes nowhere more. */
async function begin(state: RentalState, lean: boolean, firstEventHasRoute: boolean): Promise<void> {
  const { input } = state;
  const details = {
    renter_id: input.renterId,
    renter_username: input.renterUsername,
    minutes: input.minutes,
  };
  // The API (or `reserve`) wrote the row and these notifications in one statement already.
  if (!(lean && (input.startRecorded || input.holdFunds))) {
    await (lean ? local : act).recordRentalStarted({
      rental: newRentalRow(state),
      notifications: rentalRequestNotifications({ ...input, endsAtMs: state.endsAtMs }, () => uuid4()),
    });
  }
  if (!firstEventHasRoute) return;
  await emit(
    state,
    'rental_request',
    'request',
    `New rental from ${input.renterUsername}`,
    // The body of the bot's `rental_request` notification too (rentalRequestNotifications).
    `${input.renterUsername} rented ${input.agentName} for ${input.minutes} minutes`,
    {
      ...details,
      ends_at: new Date(state.endsAtMs).toISOString(),
    },
  );
}

async function recordState(state: RentalState): Promise<void> {
  upsertSearchAttributes([{ key: SA.BusinessStatus, value: state.status }]);
  await act.recordRentalState(state.stateUpdate());
}

async function warn(state: RentalState): Promise<void> {
  state.markWarned();
  await recordState(state);
  await emit(
    state,
    'rental_ending_soon',
    `ending_soon:${state.endsAtMs}`,
    'Rental ending soon',
    'Less than 5 minutes left on the clock.',
    { ends_at: new Date(state.endsAtMs).toISOString() },
  );
}

async function endByClock(state: RentalState): Promise<void> {
  await state.transcript.run(async () => {
    // An extension may have moved the end while this waited for the transcript.
    if (state.ended || Date.now() < state.endsAtMs) return;
    // `/v1/chat` stores nothing after ends_at by itself: no chat to wait for.
    await closeTranscript(state, false);
    state.end('clock', 'time is up', state.endsAtMs);
  });
}

/**
 * The silence guard's timer ran out: the transcript (where the API's `/v1/chat` stores proxy
 * replies too) says whether the renter's oldest message after the agent's last one is that old.
 * If so the rental ends as an early end does — transcript closed first (a chat in flight may still
 * store its reply), unused whole minutes refunded at settlement; if not, the guard times what is
 * left, or nothing.
 */
async function checkSilence(state: RentalState): Promise<void> {
  const { input } = state;
  const limitMs = state.silenceLimitMs ?? 0;
  state.beginSilenceCheck();
  const unanswered = await local.oldestUnansweredMessage({
    rentalId: input.rentalId,
    renterId: input.renterId,
    agentId: input.agentId,
  });
  const decision = decideSilence(limitMs, unanswered, Date.now());
  if (decision.kind !== 'silent') {
    state.endSilenceCheck(decision);
    return;
  }
  await state.transcript.run(async () => {
    // The agent's message was stored here while this read or waited for the lock, or it ended meanwhile.
    if (!state.endSilenceCheck(decision) || state.ended) return;
    const closedAtMs = await closeTranscript(state, true);
    state.end(
      'clock',
      `the agent left a renter message unanswered for ${input.maxSilenceMinutes} minutes`,
      Math.max(Date.now(), closedAtMs ?? 0),
      'agent_silent',
    );
  });
}

/**
 * This minute's health check, in the background: the lifecycle's timers never wait for an agent's
 * 10 s. Its outcome is stored by the activity (evidence for the settlement); a check that could not
 * run is no evidence. One not finished by the settlement is not waited for: its minute is billed.
 */
function checkHealth(state: RentalState): void {
  const minute = state.takeHealthCheckMinute(Date.now());
  state.pendingChecks++;
  void check
    .checkRentalAgent({ rentalId: state.input.rentalId, agentId: state.input.agentId, minute })
    .then(
      (result) => {
        if (!result.proxy) state.stopHealthChecks();
      },
      (err: unknown) => log.warn('rental health check did not run', { minute, error: String(err) }),
    )
    // Not a change the lifecycle re-plans for (conditions see the count on the next activation).
    .finally(() => state.pendingChecks--);
}

/**
 * The started minutes not billed (health-gated billing), read once at the settlement. A read that
 * fails for good (never a transient one: those are retried) settles as before the gate, every
 * started minute billed, rather than leaving the money in escrow.
 */
async function unavailableMinutesOf(state: RentalState): Promise<number[]> {
  const { input } = state;
  const endedAtMs = state.endedAtMs ?? state.endsAtMs;
  try {
    return await act.rentalUnavailableMinutes({
      rentalId: input.rentalId,
      agentId: input.agentId,
      startsAtMs: state.startsAtMs,
      endedAtMs,
      startedMinutes: billedMinutes(state.startsAtMs, endedAtMs, state.paidMinutes),
    });
  } catch (err) {
    log.error('availability not read: every started minute billed', { error: String(err) });
    return [];
  }
}

async function extend(state: RentalState, u: ExtendRentalInput): Promise<RentalView> {
  const { input } = state;
  // A re-sent extension (also after continue-as-new) answers as the first did and adds nothing;
  // one still being posted is waited for. Other minutes under the same id → 422 (validator).
  if (state.extending.has(u.requestId)) await condition(() => !state.extending.has(u.requestId));
  const earlier = state.extensionMinutes(u.requestId);
  if (earlier !== undefined) {
    if (earlier !== u.minutes)
      throw ApplicationFailure.nonRetryable(
        'Idempotency-Key was already used with different parameters',
        ErrorCode.IdempotencyMismatch,
      );
    return state.view();
  }
  const amount = times(input.pricePerMinute, u.minutes);
  state.pendingExtensions++;
  state.extending.set(u.requestId, u.minutes);
  try {
    await act.postLedger({
      idempotencyKey: `rental-extend:${input.rentalId}:${u.requestId}`,
      kind: 'rental_extend',
      reference: `rental:${input.rentalId}`,
      memo: { minutes: u.minutes },
      lines: [
        { account: { ownerId: input.renterId, purpose: 'available' }, amount: -amount },
        { account: escrowOf(input), amount },
      ],
    });
    // Only now, with the payment posted, do the minutes count.
    state.applyExtension(u.minutes);
    state.extensions[u.requestId] = u.minutes;
  } finally {
    state.pendingExtensions--;
    state.extending.delete(u.requestId);
  }
  if (state.ended)
    throw ApplicationFailure.nonRetryable('rental ended before the extension applied', ErrorCode.Conflict);
  await recordState(state);
  return state.view();
}

async function end(state: RentalState, u: EndRentalInput): Promise<RentalView> {
  await state.transcript.run(async () => {
    state.assertNotEnded();
    // The rental ends when its transcript closed: every message stored before it is before the end.
    const closedAtMs = await closeTranscript(state, true);
    state.end(state.endedByOf(u), u.reason ?? 'ended on request', Math.max(Date.now(), closedAtMs ?? 0));
  });
  await condition(() => state.settled);
  return state.view();
}

async function settle(state: RentalState): Promise<void> {
  const { input } = state;
  const gated = patched(HEALTH_GATED_BILLING);
  const s = state.computeSettlement(gated ? await unavailableMinutesOf(state) : undefined);
  const reference = `rental:${input.rentalId}`;
  // Gated: an agent unavailable every started minute earns nothing, and a posting of 0 moves nothing.
  if (!gated || s.ownerGross > 0) {
    await act.payEarner({
      idempotencyKey: `rental-settlement:${input.rentalId}`,
      kind: 'rental_settlement',
      reference,
      from: escrowOf(input),
      earnerId: input.ownerId,
      gross: s.ownerGross,
    });
  }
  if (s.refund > 0) {
    await act.postLedger({
      idempotencyKey: `rental-refund:${input.rentalId}`,
      kind: 'rental_refund',
      reference,
      memo: {
        minutes: state.paidMinutes - s.billedMinutes,
        ...(s.unavailableMinutes?.length ? { unavailable_minutes: s.unavailableMinutes.length } : {}),
      },
      lines: [
        { account: escrowOf(input), amount: -s.refund },
        { account: { ownerId: input.renterId, purpose: 'available' }, amount: s.refund },
      ],
    });
  }
  await recordState(state);
  state.markSettled();
  await emit(state, 'rental_ended', 'ended', 'Rental ended', `Rental ended (${state.endedBy})`, {
    ended_by: state.endedBy,
    ended_at: state.view().endedAt,
    ...(state.endedReason ? { ended_reason: state.endedReason } : {}),
  });
}
