/**
 * `/v1/chat` to a `proxy` agent, outside the rental workflow (a chat moves no money; see
 * docs/PERFORMANCE.md, "Chat"). The rentals row is the gate the workflow shares:
 *
 * 1. one statement takes the rental's chat lease, the next `seq`, stores the renter's message and
 *    its `rental_message` notification (a proxy agent's whole event delivery) — only while the row
 *    says the transcript is open, so nothing lands after the workflow's end closed it; a chat
 *    holding the lease (this or another API process) is waited for, within the chat's budget;
 * 2. the agent is asked once (never retried: Rentr's rule), the lease renewed meanwhile so a dead
 *    API process's lease runs out by itself within CHAT_LEASE_MS;
 * 3. one statement stores the reply (if the transcript is still open) and gives the lease back.
 *
 * A chat whose reply was not stored leaves the renter's message unanswered: a rental with a silence
 * guard (`max_silence_minutes`) is told so by a signal, so its workflow times it (issue 25.4).
 *
 * Events and polling agents still chat through the workflow (their reply is awaited there).
 */
import { randomUUID } from 'node:crypto';
import { proxySessionKey } from '../../domain/agent-reply';
import { appError } from '../../domain/errors';
import { relayFailureCounts } from '../../domain/rental-availability';
import { replyText } from '../../domain/rental-chat';
import { rentalEventPayload } from '../../domain/rental-events';
import type { NewNotification } from '../../domain/rental-notifications';
import type { RentalRow } from '../../domain/rental-store';
import {
  type ChatTurn,
  isUnstorableText,
  releaseChatLease,
  renewChatLease,
  storeChatReply,
  storeChatTurn,
} from '../../db/rental-chat';
import { recordAgentObservation } from '../../db/rental-observations';
import { relayToAgent } from '../../services/agent-relay';
import { relayToAgentStreaming } from '../../services/agent-stream-relay';
import { renterMessageUnansweredSignal, rentalWorkflowId } from '../../workflows/rental/contract';
import type { ApiDeps } from '../deps';
import type { RentrChatResponse } from '../schemas/chat';

/** How long a chat's lease holds without renewal: a dead API process blocks its rental's chats no longer. */
const CHAT_LEASE_MS = 10_000;
const LEASE_RENEW_EVERY_MS = 3_000;
/** Waiting for another chat of the same rental: first and longest pause between tries. */
const LEASE_WAIT_FIRST_MS = 5;
const LEASE_WAIT_MAX_MS = 100;
/** Less than this left of the budget: not worth calling the agent (as the workflow did). */
const MIN_CHAT_BUDGET_MS = 250;
/** `/v1/chat` is the API channel in Rentr's terms, whatever channel the rental was booked on. */
const CHAT_CHANNEL = 'API';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The `rental_message` event as the bot's notification, as services/rental-events.ts writes it. */
function messageNotification(rental: RentalRow, messageId: string, content: string): NewNotification {
  const senderUsername = rental.renter_username;
  const payload = rentalEventPayload({
    event: 'rental_message',
    eventId: randomUUID(),
    botId: rental.agent_id,
    rentalId: rental.id,
    title: `New rental message from ${senderUsername}`,
    body: content,
    details: {
      renter_username: rental.renter_username,
      message_id: messageId,
      sender_id: rental.renter_id,
      sender_username: senderUsername,
      content,
    },
    at: new Date().toISOString(),
  });
  const data = payload.data as Omit<NewNotification, 'accountId'>;
  return {
    id: data.id,
    accountId: rental.agent_id,
    type: data.type,
    title: data.title,
    body: data.body,
    link: data.link,
    data: data.data,
  };
}

/**
 * The renter's message `seq` got no stored reply: a rental with a silence guard hears it (a signal,
 * only on this failure path, so a chat that is answered costs no Temporal call). A signal that
 * cannot be sent is logged; the guard then learns of the silence with the next message.
 */
async function tellSilenceGuard(deps: ApiDeps, rental: RentalRow, seq: number | null): Promise<void> {
  if (rental.max_silence_minutes === null || seq === null) return;
  await deps.temporal.workflow
    .getHandle(rentalWorkflowId(rental.id))
    .signal(renterMessageUnansweredSignal, { seq })
    .catch((err: unknown) =>
      deps.logger.warn({ err, rentalId: rental.id }, 'silence guard not told of an unanswered message'),
    );
}

/**
 * A relay the agent failed (timeout, unreachable, 5xx) is evidence for health-gated billing
 * (issue 25.3), stored at the database's now under the renter message's id. A failure to store it
 * is logged and costs the renter nothing more than a minute billed.
 */
async function noteUnavailable(
  deps: ApiDeps,
  rentalId: string,
  messageId: string,
  failure: { code: string; detail: Record<string, unknown> },
): Promise<void> {
  if (!relayFailureCounts(failure)) return;
  await recordAgentObservation(deps.db, {
    rentalId,
    key: `chat:${messageId}`,
    source: 'chat',
    ok: false,
    detail: `${failure.code}: ${JSON.stringify(failure.detail)}`,
  }).catch((err: unknown) => deps.logger.warn({ err, rentalId }, 'failed relay not recorded for billing'));
}

/** A message Postgres cannot store (a NUL the edge let through): the renter's 400. */
function unstorableAsValidation(err: unknown): never {
  if (isUnstorableText(err))
    throw appError('validation', 'message: contains characters that cannot be stored');
  throw err;
}

/** Stores the renter's message under the chat lease, waiting (within the budget) for a chat in flight. */
async function takeTurn(
  deps: ApiDeps,
  rental: RentalRow,
  messageId: string,
  message: string,
  budgetEndMs: number,
): Promise<ChatTurn> {
  const notification = messageNotification(rental, messageId, message);
  for (let pauseMs = LEASE_WAIT_FIRST_MS; ; pauseMs = Math.min(LEASE_WAIT_MAX_MS, pauseMs * 2)) {
    const turn = await storeChatTurn(deps.db, {
      rentalId: rental.id,
      messageId,
      senderId: rental.renter_id,
      content: message,
      leaseMs: CHAT_LEASE_MS,
      notification,
    }).catch(unstorableAsValidation);
    if (turn.outcome !== 'busy') return turn;
    if (budgetEndMs - Date.now() < MIN_CHAT_BUDGET_MS + pauseMs) throw appError('agent_unreachable');
    await sleep(pauseMs);
  }
}

/**
 * The chat when the rental's agent is a proxy agent; undefined when it is not (the caller takes
 * the workflow path). `budgetEndMs`: epoch ms by which the answer must be ready. With `onDelta`
 * (a renter who asked for a stream) the agent is asked to stream and each piece of its reply goes
 * to `onDelta` as it comes; the reply is stored once, whole, as without (whether or not anyone is
 * still listening).
 */
export async function chatWithProxyAgent(
  deps: ApiDeps,
  rental: RentalRow,
  message: string,
  budgetEndMs: number,
  onDelta?: (text: string) => void,
): Promise<RentrChatResponse | undefined> {
  if (budgetEndMs - Date.now() < MIN_CHAT_BUDGET_MS) throw appError('agent_unreachable');
  const messageId = randomUUID();
  const turn = await takeTurn(deps, rental, messageId, message, budgetEndMs);
  if (turn.outcome === 'not_proxy' || turn.outcome === 'missing') return undefined;
  if (turn.outcome === 'closed') throw appError('rental_not_active');

  const logger = deps.logger.child({ rentalId: rental.id, agentId: rental.agent_id });
  let leased = true;
  const renew = setInterval(() => {
    renewChatLease(deps.db, rental.id, messageId, CHAT_LEASE_MS).catch((err: unknown) =>
      logger.warn({ err }, 'chat lease not renewed'),
    );
  }, LEASE_RENEW_EVERY_MS);
  renew.unref();
  try {
    const endpoint = {
      agentName: turn.agent_name ?? rental.agent_id,
      webhookUrl: turn.webhook_url,
      webhookToken: turn.webhook_token,
    };
    const request = {
      rentalId: rental.id,
      message,
      sessionKey: proxySessionKey(rental.id, rental.renter_id),
      channel: CHAT_CHANNEL,
      timeoutMs: Math.min(deps.config.AGENT_PROXY_TIMEOUT_MS, budgetEndMs - Date.now()),
    };
    const relayDeps = { config: deps.config, logger };
    const outcome = onDelta
      ? await relayToAgentStreaming(relayDeps, endpoint, request, onDelta)
      : await relayToAgent(relayDeps, endpoint, request);
    if (!outcome.ok) {
      await noteUnavailable(deps, rental.id, messageId, outcome);
      throw appError(outcome.code);
    }
    clearInterval(renew);
    // A reply the database refuses is the agent's fault (502); one after the end is still answered.
    await storeChatReply(deps.db, {
      rentalId: rental.id,
      leaseId: messageId,
      messageId: randomUUID(),
      senderId: rental.agent_id,
      content: replyText(outcome.reply),
    }).catch((err: unknown) => {
      if (isUnstorableText(err)) throw appError('agent_error');
      throw err;
    });
    leased = false;
    return {
      success: true,
      agent: rental.agent_name ?? '',
      // The API channel passes the agent's body through (issue 23); the transcript keeps its text.
      response: outcome.verbatim,
      rental: { id: rental.id, ends_at: (turn.ends_at ?? rental.ends_at).toISOString() },
    };
  } finally {
    clearInterval(renew);
    if (leased) {
      await releaseChatLease(deps.db, rental.id, messageId).catch((err: unknown) =>
        logger.warn({ err }, 'chat lease not given back (it runs out by itself)'),
      );
      await tellSilenceGuard(deps, rental, turn.seq);
    }
  }
}
