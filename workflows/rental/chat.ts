/**
 * The transcript and the Rentr `/v1/chat` relay of a rental: messages are stored under the
 * transcript lock (so never after the end), chats one at a time under the chat lock; proxy agents
 * are relayed, events/polling agents' replies awaited (30 s).
 */
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  log,
  patched,
  TimeoutFailure,
  uuid4,
} from '@temporalio/workflow';
import type { StoredRentalMessage } from '../../domain/rental-messages';
import { proxySessionKey } from '../../domain/agent-reply';
import { businessFailure, ErrorCode } from '../../domain/errors';
import { CHAT_REPLY_WAIT_MS, type ChatWithAgentResult, replyText } from '../../domain/rental-chat';
import { isInvalidData } from '../failures';
import type { ChatWithAgentInput } from './contract';
import { emit } from './events';
import { act, local, localRelay, relay } from './proxies';
import type { RentalState } from './state';

/** patched() id: `/v1/chat` with local activities. */
const LOCAL_CHAT = 'rental-chat-local-activities';
/**
 * CHAT_ONE_TASK: a chat is one workflow task — store, relay and store the reply (three local
 * activities), then answer; the renter message's event is scheduled with the answer instead of
 * before the relay (see postMessage's `oneTask`).
 */
const CHAT_ONE_TASK = 'rental-chat-one-task';
/**
 * CHAT_DEADLINE: a chat carries the API's deadline; one still queued when its budget is spent gives
 * up (503) without storing or relaying anything, and the relay and the bot-reply wait get only
 * what is left, so k queued chats never take k × 30 s.
 */
const CHAT_DEADLINE = 'rental-chat-deadline';
/** Less than this left: not worth calling the agent. */
const MIN_CHAT_BUDGET_MS = 250;

/**
 * ROW_TRANSCRIPT: the rentals row is the transcript's gate, shared with the API's `/v1/chat` for
 * proxy agents (which no longer goes through this workflow): a message's `seq` is taken from the
 * row as it is stored, nothing is stored once the row says the transcript is closed, and the end
 * closes it (closeTranscript) before the rental ends.
 */
const ROW_TRANSCRIPT = 'rental-row-transcript';
/** How long a requested end waits for a `/v1/chat` in flight to store its reply. */
const END_WAITS_FOR_CHAT_MS = 5_000;

/** A stored message; `agentIntegration` when the store also read it (a chat's message). */
export type PostedMessage = StoredRentalMessage & { agentIntegration?: 'events' | 'proxy' | null };

type StoreMessage = (m: {
  id: string;
  rentalId: string;
  seq: number;
  senderId: string;
  content: string;
}) => Promise<PostedMessage>;

/**
 * Stores a message under the transcript lock (so never after the end) and tells an events bot.
 * `oneTask` (a chat under CHAT_ONE_TASK): the event is scheduled, not awaited — the renter does not
 * need it before the reply — and the message does not make the lifecycle re-plan its timers.
 * Under ROW_TRANSCRIPT `store` is not used: the row gives the seq and may refuse (closed).
 */
export function postMessage(
  state: RentalState,
  senderId: string,
  content: string,
  store: StoreMessage,
  oneTask = false,
  messageId?: string,
): Promise<PostedMessage> {
  return state.transcript.run(async () => {
    state.assertOpen();
    const inRow = patched(ROW_TRANSCRIPT);
    const seq = inRow ? state.nextSeq : state.takeSeq();
    const id = messageId ?? uuid4();
    const stored = await (
      inRow
        ? local
            .storeMessageInRow({
              id,
              rentalId: state.input.rentalId,
              senderId,
              content,
              agentId: state.input.agentId,
            })
            .then((m) => m ?? Promise.reject(businessFailure('rental_ended')))
        : store({ id, rentalId: state.input.rentalId, seq, senderId, content })
    ).catch((err: unknown) => refuseUnstorable(state, seq, err, inRow));
    if (inRow) state.nextSeq = Math.max(state.nextSeq, stored.seq + 1);
    state.recordMessage(stored.seq, senderId, content, !oneTask && !inRow);
    if (senderId !== state.input.agentId) {
      const delivery = emit(
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
      if (oneTask) inBackground(state, delivery, id);
      else await delivery;
    }
    return stored;
  });
}

/**
 * Under ROW_TRANSCRIPT: closes the transcript in the rentals row before the rental ends — after
 * every message stored so far (same row lock), and, for a requested end, after a `/v1/chat` in
 * flight has stored its reply (at most END_WAITS_FOR_CHAT_MS). Answers when it closed (database
 * clock), undefined in runs recorded before it.
 */
export async function closeTranscript(state: RentalState, requested: boolean): Promise<number | undefined> {
  if (!patched(ROW_TRANSCRIPT)) return undefined;
  const closedAtMs = await local.closeTranscript({
    rentalId: state.input.rentalId,
    graceMs: requested ? END_WAITS_FOR_CHAT_MS : 0,
  });
  return closedAtMs ?? undefined;
}

/**
 * Counts an event delivery the caller does not wait for: the lifecycle waits for none to be
 * pending before it continues as new or settles, so each is scheduled (keyed, retried) before the
 * run can end. A delivery can only fail here for good after enqueueDroppingPermanent logged it.
 */
function inBackground(state: RentalState, delivery: Promise<void>, messageId: string): void {
  state.pendingEvents++;
  void delivery
    .catch((err: unknown) => log.error('rental message event failed', { messageId, error: String(err) }))
    .finally(() => state.pendingEvents--);
}

/** The Rentr `/v1/chat` exchange: one at a time per rental; proxy agents are relayed, others awaited. */
export function chat(state: RentalState, u: ChatWithAgentInput): Promise<ChatWithAgentResult> {
  return state.chat.run(async () => {
    const budgetMs = chatBudgetMs(u);
    if (budgetMs !== undefined && budgetMs < MIN_CHAT_BUDGET_MS) throw businessFailure('agent_unreachable');
    if (patched(LOCAL_CHAT)) return await chatLocally(state, u, budgetMs !== undefined);
    const { input } = state;
    const asked = await postMessage(
      state,
      u.renterId,
      u.message,
      act.storeRentalMessage,
      false,
      u.messageId,
    ).catch(rentalEndedAsNotActive);
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
  const oneTask = patched(CHAT_ONE_TASK);
  const asked = await postMessage(
    state,
    u.renterId,
    u.message,
    (m) => local.storeChatMessage({ ...m, agentId: input.agentId }),
    oneTask,
    u.messageId,
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
    await storeAgentReply(state, reply, local.storeRentalMessage, oneTask);
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
  store: StoreMessage,
  oneTask = false,
): Promise<void> {
  if (state.ended) return;
  await postMessage(state, state.input.agentId, replyText(reply), store, oneTask)
    .catch(ignoreRentalEnded)
    .catch(unstorableReplyAsAgentError);
}

/**
 * A message the database refuses (e.g. a NUL the API edge let through) is refused with a 400;
 * its sequence number is handed back, so the transcript has no gap. The transcript lock is
 * released by the caller's Lock.run as the failure propagates; the lifecycle carries on.
 */
function refuseUnstorable(state: RentalState, seq: number, err: unknown, inRow: boolean): never {
  if (!isInvalidData(err)) throw err;
  if (!inRow && state.nextSeq === seq + 1) state.nextSeq = seq;
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
