/**
 * One rental, from the paid hold to its settlement (`rental-<rental_id>`):
 *
 *   started ──> active ──(< 5 min left: one-shot warning)──> ending_soon ──(clock)──> ended ──> settled once
 *                 │  ^                                          │
 *                 │  └──────────── extendRental (timers move, warning re-armed) ──┘
 *                 └── endRental (renter, owner, operator) ─────────────────────────> ended
 *
 * The workflow holds price × minutes in the rental's escrow as its first step (update-with-start:
 * the API's `rentalReserved` update answers when it is held, 402 when short; rentals started before
 * that were held by the API); extensions hold more through a keyed posting here. At the end the elapsed minutes (started minutes round up)
 * go to the owner through payEarner and the unused whole minutes back to the renter — each posting
 * keyed by the rental id, so a retry or a crash in between pays nothing twice.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  TimeoutFailure,
  upsertMemo,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { createAgentProxyActivities } from '../../activities/agent-proxy';
import type { createHoldActivities, ReserveRentalResult } from '../../activities/rental-hold';
import type { createLedgerActivities } from '../../activities/ledger';
import type { createRentalEventActivities } from '../../activities/rental-events';
import type { createRentalActivities, StoredRentalMessage } from '../../activities/rentals';
import { businessFailure, ErrorCode } from '../../domain/errors';
import type { LedgerAccountKey } from '../../domain/ledger';
import { times } from '../../domain/money';
import { CHAT_REPLY_WAIT_MS, type ChatWithAgentResult, replyText } from '../../domain/rental-chat';
import { type RentalEventName, rentalEventPayload, rentalSubject } from '../../domain/rental-events';
import { proxySessionKey } from '../../domain/agent-reply';
import { rentalRequestNotifications } from '../../domain/rental-notifications';
import { rentalCode } from '../../domain/rental-settlement';
import { LEGACY_SA, SA, SEARCH_ATTRIBUTES_V2 } from '../../domain/search-attributes';
import type { EnqueueWebhookInput, EnqueueWebhookResult } from '../../domain/webhooks';
import {
  type ChatWithAgentInput,
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
} from './contract';
import { RentalState } from './state';
import { isInvalidData, isPermanentFailure, passOn, retryTransient } from '../failures';

type Activities = ReturnType<typeof createRentalActivities> &
  ReturnType<typeof createRentalEventActivities> &
  ReturnType<typeof createLedgerActivities> &
  ReturnType<typeof createHoldActivities> & {
    enqueueWebhook(input: EnqueueWebhookInput): Promise<EnqueueWebhookResult>;
  };
type ProxyActivities = ReturnType<typeof createAgentProxyActivities>;

// Read models, ledger postings and enqueues are idempotent: retry until they succeed.
const act = proxyActivities<Activities>({
  startToCloseTimeout: '15 seconds',
  retry: retryTransient({ initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' }),
});
// Rentr never retries a relay: the renter sees the failure and may resend.
const relay = proxyActivities<ProxyActivities>({
  startToCloseTimeout: '35 seconds',
  retry: retryTransient({ maximumAttempts: 1 }),
});

/**
 * The hot paths (the start, `/v1/chat`) run their short Postgres writes and the relay as local
 * activities: they run inside the workflow task, so a chat is one workflow task instead of five
 * plus four activity round trips through the server. Same idempotent writes and retry policy as
 * `act`; the relay keeps its single attempt (the LA timeout only backs up the relay's own 30 s).
 */
const local = proxyLocalActivities<Activities>({
  startToCloseTimeout: '15 seconds',
  retry: retryTransient({ initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' }),
});
const localRelay = proxyLocalActivities<ProxyActivities>({
  startToCloseTimeout: '35 seconds',
  scheduleToCloseTimeout: '35 seconds',
  retry: retryTransient({ maximumAttempts: 1 }),
});

/**
 * patched() ids: workflows recorded before these changes replay their original commands.
 * LEAN_START: the first run skips re-upserting the search attributes and memo the start already
 * set, and records the start with a local activity. LOCAL_CHAT: `/v1/chat` with local activities.
 */
const LEAN_START = 'rental-lean-start';
const LOCAL_CHAT = 'rental-chat-local-activities';
/**
 * CHAT_DEADLINE: a chat carries the API's deadline; one still queued when its budget is spent gives
 * up (503) without storing or relaying anything, and the relay and the bot-reply wait get only
 * what is left, so k queued chats never take k × 30 s.
 */
const CHAT_DEADLINE = 'rental-chat-deadline';
/**
 * EVENTS_FOLLOW_PROFILE: each event is routed when it happens, by the bot's profile then (webhook
 * or notification), instead of by `eventsEnabled` decided at the start.
 */
const EVENTS_FOLLOW_PROFILE = 'rental-events-follow-profile';
/** Less than this left: not worth calling the agent. */
const MIN_CHAT_BUDGET_MS = 250;

export async function rentalWorkflow(input: RentalInput): Promise<RentalView> {
  const state = new RentalState(input, Date.now());
  setHandler(rentalStatusQuery, () => state.view());
  setHandler(extendRentalUpdate, (u) => extend(state, u), { validator: (u) => state.validateExtend(u) });
  setHandler(endRentalUpdate, (u) => end(state, u), { validator: (u) => state.validateEnd(u) });
  setHandler(
    postRentalMessageUpdate,
    (u) => postMessage(state, u.senderId, u.content, act.storeRentalMessage),
    {
      validator: (u) => state.validateMessage(u),
    },
  );
  setHandler(chatWithAgentUpdate, (u) => chat(state, u), { validator: (u) => state.validateChat(u) });
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
  if (!input.carried) await begin(state, lean, firstEventHasRoute);
  while (!state.ended) {
    if (historyIsLarge(input)) {
      await condition(allHandlersFinished);
      if (!state.ended) return await continueAsNew<typeof rentalWorkflow>(state.carry());
    } else if (state.warningDue(Date.now())) {
      await warn(state);
    } else if (Date.now() >= state.endsAtMs) {
      await endByClock(state);
    } else {
      const seen = state.changes;
      await condition(
        () => state.changes !== seen || historyIsLarge(input),
        state.msUntilNextDeadline(Date.now()),
      );
    }
  }
  await condition(() => state.pendingExtensions === 0);
  await settle(state);
  await condition(allHandlersFinished);
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
const newRentalRow = ({ input, startsAtMs, endsAtMs }: RentalState) => ({
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
    if (!state.ended && Date.now() >= state.endsAtMs) state.end('clock', 'time is up', state.endsAtMs);
  });
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
  await state.transcript.run(async () =>
    state.end(state.endedByOf(u), u.reason ?? 'ended on request', Date.now()),
  );
  await condition(() => state.settled);
  return state.view();
}

async function settle(state: RentalState): Promise<void> {
  const { input } = state;
  const s = state.computeSettlement();
  const reference = `rental:${input.rentalId}`;
  await act.payEarner({
    idempotencyKey: `rental-settlement:${input.rentalId}`,
    kind: 'rental_settlement',
    reference,
    from: escrowOf(input),
    earnerId: input.ownerId,
    gross: s.ownerGross,
  });
  if (s.refund > 0) {
    await act.postLedger({
      idempotencyKey: `rental-refund:${input.rentalId}`,
      kind: 'rental_refund',
      reference,
      memo: { minutes: state.paidMinutes - s.billedMinutes },
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
  });
}

type StoreMessage<T extends StoredRentalMessage> = (m: {
  id: string;
  rentalId: string;
  seq: number;
  senderId: string;
  content: string;
}) => Promise<T>;

/** Stores a message under the transcript lock (so never after the end) and tells an events bot. */
function postMessage<T extends StoredRentalMessage = StoredRentalMessage>(
  state: RentalState,
  senderId: string,
  content: string,
  store: StoreMessage<T>,
): Promise<T> {
  return state.transcript.run(async () => {
    state.assertOpen();
    const seq = state.takeSeq();
    const id = uuid4();
    const stored = await store({
      id,
      rentalId: state.input.rentalId,
      seq,
      senderId,
      content,
    }).catch((err: unknown) => refuseUnstorable(state, seq, err));
    state.recordMessage(seq, senderId, content);
    if (senderId !== state.input.agentId) {
      await emit(
        state,
        'rental_message',
        `message:${id}`,
        `New rental message from ${stored.sender_username}`,
        content,
        {
          message_id: id,
          sender_id: senderId,
          sender_username: stored.sender_username,
          content,
        },
      );
    }
    return stored;
  });
}

/** The Rentr `/v1/chat` exchange: one at a time per rental; proxy agents are relayed, others awaited. */
function chat(state: RentalState, u: ChatWithAgentInput): Promise<ChatWithAgentResult> {
  return state.chat.run(async () => {
    const budgetMs = chatBudgetMs(u);
    if (budgetMs !== undefined && budgetMs < MIN_CHAT_BUDGET_MS) throw businessFailure('agent_unreachable');
    if (patched(LOCAL_CHAT)) return await chatLocally(state, u, budgetMs !== undefined);
    const { input } = state;
    const asked = await postMessage(state, u.renterId, u.message, act.storeRentalMessage).catch(
      rentalEndedAsNotActive,
    );
    const rental = { id: input.rentalId, ends_at: new Date(state.endsAtMs).toISOString() };
    const agent = await act.loadAgentEndpoint(input.agentId);
    if (agent.integration === 'proxy') {
      const { reply } = await relay
        .relayToProxyAgent({
          rentalId: input.rentalId,
          agentId: input.agentId,
          agentName: agent.name,
          webhookUrl: agent.webhookUrl,
          webhookToken: agent.webhookToken,
          message: u.message,
          sessionKey: proxySessionKey(input.rentalId, u.renterId),
          channel: u.channel ?? input.channel,
        })
        .catch(timeoutAsUnavailable);
      await storeAgentReply(state, reply, act.storeRentalMessage);
      return { response: reply, rental };
    }
    return { response: await awaitBotReply(state, asked.seq), rental };
  });
}

/** What is left of a chat's budget now, once it has the chat lock (undefined: no deadline, as before). */
function chatBudgetMs(u: ChatWithAgentInput): number | undefined {
  if (u.deadlineAtMs === undefined || !patched(CHAT_DEADLINE)) return undefined;
  return u.deadlineAtMs - Date.now();
}

/**
 * `chat` in one workflow task: store the renter's message (and learn the agent's integration) in
 * one local activity, relay (claiming the message, so a re-run task never relays it twice), store
 * the reply. The locks, the end rules and the failures are the same as `chat`'s.
 */
async function chatLocally(
  state: RentalState,
  u: ChatWithAgentInput,
  withDeadline: boolean,
): Promise<ChatWithAgentResult> {
  const { input } = state;
  const asked = await postMessage(state, u.renterId, u.message, (m) =>
    local.storeChatMessage({ ...m, agentId: input.agentId }),
  ).catch(rentalEndedAsNotActive);
  const rental = { id: input.rentalId, ends_at: new Date(state.endsAtMs).toISOString() };
  if (asked.agentIntegration === 'proxy') {
    const { reply } = await localRelay
      .relayToProxyAgent({
        rentalId: input.rentalId,
        agentId: input.agentId,
        message: u.message,
        sessionKey: proxySessionKey(input.rentalId, u.renterId),
        channel: u.channel ?? input.channel,
        claim: { messageId: asked.id, renterId: u.renterId },
        ...(withDeadline ? { deadlineAtMs: u.deadlineAtMs } : {}),
      })
      .catch(timeoutAsUnavailable);
    await storeAgentReply(state, reply, local.storeRentalMessage);
    return { response: reply, rental };
  }
  const waitMs =
    withDeadline && u.deadlineAtMs !== undefined
      ? Math.max(1, Math.min(CHAT_REPLY_WAIT_MS, u.deadlineAtMs - Date.now()))
      : CHAT_REPLY_WAIT_MS;
  return { response: await awaitBotReply(state, asked.seq, waitMs), rental };
}

/** Stores a proxy agent's reply; one arriving after the end is still returned, but the closed transcript stays closed. */
async function storeAgentReply(
  state: RentalState,
  reply: unknown,
  store: Parameters<typeof postMessage>[3],
): Promise<void> {
  if (state.ended) return;
  await postMessage(state, state.input.agentId, replyText(reply), store)
    .catch(ignoreRentalEnded)
    .catch(unstorableReplyAsAgentError);
}

/**
 * A message the database refuses (e.g. a NUL the API edge let through) is refused with a 400;
 * its sequence number is handed back, so the transcript has no gap. The transcript lock is
 * released by the caller's Lock.run as the failure propagates; the lifecycle carries on.
 */
function refuseUnstorable(state: RentalState, seq: number, err: unknown): never {
  if (!isInvalidData(err)) throw err;
  if (state.nextSeq === seq + 1) state.nextSeq = seq;
  throw ApplicationFailure.nonRetryable(
    'content: contains characters that cannot be stored',
    ErrorCode.Validation,
  );
}

/** The agent's reply, not the renter's message, could not be stored: the agent is at fault (502). */
function unstorableReplyAsAgentError(err: unknown): never {
  if (err instanceof ApplicationFailure && err.type === ErrorCode.Validation)
    throw ApplicationFailure.nonRetryable('agent reply could not be stored', ErrorCode.AgentError);
  throw err;
}

/**
 * Events/polling agents: the bot's next message in this rental, waited for up to 30 s, preceded by
 * any reply that came after an earlier chat had given up (RentalState.chatAnswer).
 */
async function awaitBotReply(
  state: RentalState,
  afterSeq: number,
  waitMs = CHAT_REPLY_WAIT_MS,
): Promise<string> {
  await condition(() => state.botReplyAfter(afterSeq) !== undefined || state.ended, waitMs);
  const reply = state.chatAnswer(afterSeq, state.botReplyAfter(afterSeq));
  if (reply === undefined) throw businessFailure('agent_no_reply');
  return reply;
}

const isRentalEnded = (err: unknown) =>
  err instanceof ApplicationFailure && err.type === ErrorCode.RentalEnded;

function rentalEndedAsNotActive(err: unknown): never {
  if (isRentalEnded(err)) throw businessFailure('rental_not_active');
  throw err;
}

function ignoreRentalEnded(err: unknown): void {
  if (!isRentalEnded(err)) throw err;
}

function timeoutAsUnavailable(err: unknown): never {
  if (err instanceof ActivityFailure && err.cause instanceof TimeoutFailure)
    throw businessFailure('agent_unreachable');
  throw err;
}

async function emit(
  state: RentalState,
  event: RentalEventName,
  keySuffix: string,
  title: string,
  body: string,
  details: Record<string, unknown>,
): Promise<void> {
  const { input } = state;
  const followProfile = state.input.oneTaskStart === true || patched(EVENTS_FOLLOW_PROFILE);
  if (!followProfile && !input.eventsEnabled) return;
  const at = new Date().toISOString();
  const enqueue = followProfile
    ? (e: EnqueueWebhookInput) =>
        act.deliverRentalEvent({ ...e, notifyIfPolling: event !== 'rental_request' })
    : act.enqueueWebhook;
  await enqueueDroppingPermanent(enqueue, {
    eventKey: `rental:${input.rentalId}:${keySuffix}`,
    accountId: input.agentId,
    policy: 'agent-events',
    event,
    subject: rentalSubject(input.rentalId),
    payload: rentalEventPayload({
      event,
      eventId: uuid4(),
      botId: input.agentId,
      rentalId: input.rentalId,
      title,
      body,
      details: { renter_username: input.renterUsername, ...details },
      at,
    }),
  });
}

/**
 * A notification that can never be enqueued is dropped (logged): it must not fail a message
 * already stored, nor the lifecycle.
 */
function enqueueDroppingPermanent(
  enqueue: (e: EnqueueWebhookInput) => Promise<unknown>,
  event: EnqueueWebhookInput,
): Promise<unknown> {
  return enqueue(event).catch((err: unknown) => {
    if (!isPermanentFailure(err)) throw err;
    log.error('rental event not enqueued', { eventKey: event.eventKey, error: String(err) });
  });
}
