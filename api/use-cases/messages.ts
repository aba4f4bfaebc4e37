/**
 * Direct messages (issue 17.2) between accounts that share a rental or a task
 * (domain/message-permissions.ts). The recipient is told the way rental events are routed
 * (activities/rental-events.ts): a webhook delivery to an `events` bot with a webhook, an in-app
 * notification (`GET /api/agents/me/pending`) to anyone else. Both are keyed by the message id,
 * so a retried request (same Idempotency-Key → same message id) never tells the recipient twice.
 */
import { randomUUID } from 'node:crypto';
import { deliverRentalEvent } from '../../services/rental-events';
import {
  accountExists,
  conversationPage,
  deleteDmBlock,
  type DirectMessageRow,
  insertDirectMessage,
  insertDmBlock,
  isDmBlocked,
  relationshipOf,
  sharedRentalById,
} from '../../db/messages';
import { appError, notFound, refuseIf } from '../../domain/errors';
import { deterministicUuid } from '../../domain/ids';
import { mayReadDirectMessages, maySendDirectMessage } from '../../domain/message-permissions';
import { afterKey, toPage } from '../../domain/pagination';
import type { Principal } from '../auth';
import type { ApiDeps } from '../deps';
import { consumeDirectMessage } from '../rate-limit';
import type { DirectMessageView, ListDirectMessagesQuery, SendDirectMessageInput } from '../schemas/messages';

export const DIRECT_MESSAGE_EVENT = 'direct_message';
const DM_LIST = 'direct_messages';

const messageJson = (m: DirectMessageRow): DirectMessageView => ({
  id: m.id,
  from: m.sender_id,
  to: m.recipient_id,
  content: m.content,
  rental_id: m.rental_id,
  created_at: m.created_at.toISOString(),
});

/** Webhook payload, shaped like the rental events (`{event, data:{id, user_id, type, …}, timestamp}`). */
export function directMessagePayload(m: DirectMessageRow, senderName: string | null) {
  const at = m.created_at.toISOString();
  return {
    event: DIRECT_MESSAGE_EVENT,
    data: {
      id: deterministicUuid('direct-message-notification', m.id),
      user_id: m.recipient_id,
      type: DIRECT_MESSAGE_EVENT,
      title: `Direct message from ${senderName ?? 'an account'}`,
      body: m.content.slice(0, 200),
      link: `/messages?with=${m.sender_id}`,
      data: {
        message_id: m.id,
        sender_id: m.sender_id,
        sender_username: senderName,
        content: m.content,
        rental_id: m.rental_id,
      },
      created_at: at,
    },
    timestamp: at,
  };
}

export async function sendDirectMessage(
  deps: ApiDeps,
  principal: Principal,
  input: SendDirectMessageInput,
  idempotencyKey?: string,
): Promise<DirectMessageView> {
  const senderId = principal.accountId;
  if (!(await accountExists(deps.db, input.to))) throw notFound('account');
  const rel = await relationshipOf(deps.db, senderId, input.to);
  if (input.rental_id && !rel.rentals.some((r) => r.id === input.rental_id)) {
    // The relationship list is capped; look the named rental up by id so an old one still counts.
    const named = await sharedRentalById(deps.db, input.rental_id);
    if (named) rel.rentals = [...rel.rentals, named];
  }
  refuseIf(maySendDirectMessage(rel, senderId, input.to, input.rental_id));
  // A blocked sender learns it (403 dm_blocked) rather than writing into a void.
  if (await isDmBlocked(deps.db, input.to, senderId)) throw appError('dm_blocked');
  await consumeDirectMessage(deps, senderId, input.to);
  const id = idempotencyKey ? deterministicUuid('direct-message', senderId, idempotencyKey) : randomUUID();
  const row = await insertDirectMessage(deps.db, {
    id,
    senderId,
    recipientId: input.to,
    rentalId: input.rental_id ?? null,
    content: input.content,
  });
  const sender = await accountExists(deps.db, senderId);
  await deliverRentalEvent(deps, {
    eventKey: `direct-message:${row.id}`,
    accountId: row.recipient_id,
    policy: 'agent-events',
    event: DIRECT_MESSAGE_EVENT,
    subject: `direct-messages:${row.sender_id}`,
    payload: directMessagePayload(row, sender?.username ?? null),
    notifyIfPolling: true,
  });
  return messageJson(row);
}

/** `GET /api/v1/messages?with=`: the conversation, newest first, `limit` per page. */
export async function listDirectMessages(
  deps: ApiDeps,
  principal: Principal,
  q: ListDirectMessagesQuery,
): Promise<{ messages: DirectMessageView[]; next_cursor: string | null; has_more: boolean }> {
  // The cursor's key is the position (seq) of the last message handed out.
  const after = afterKey(DM_LIST, ['number'], q.cursor);
  if (!(await accountExists(deps.db, q.with))) throw notFound('account');
  refuseIf(
    mayReadDirectMessages(
      await relationshipOf(deps.db, principal.accountId, q.with),
      principal.accountId,
      q.with,
    ),
  );
  const before = after === null ? undefined : String(after[0]);
  const rows = await conversationPage(deps.db, principal.accountId, q.with, q.limit, before);
  const page = toPage(rows, q.limit, DM_LIST, (m) => [Number(m.seq)]);
  return { messages: page.items.map(messageJson), next_cursor: page.next_cursor, has_more: page.has_more };
}

export interface DmBlockView {
  account_id: string;
  blocked: boolean;
  since: string | null;
}

/**
 * `POST /api/v1/messages/blocks/{account_id}`: the caller stops `account_id` from sending it
 * direct messages (403 dm_blocked to the sender). Any existing account may be blocked, shared
 * rental or not; blocking twice keeps the first block.
 */
export async function blockSender(
  deps: ApiDeps,
  principal: Principal,
  accountId: string,
): Promise<DmBlockView> {
  if (accountId === principal.accountId) throw appError('dm_block_self');
  if (!(await accountExists(deps.db, accountId))) throw notFound('account');
  const row = await insertDmBlock(deps.db, principal.accountId, accountId);
  return { account_id: accountId, blocked: true, since: row.created_at.toISOString() };
}

/** `DELETE /api/v1/messages/blocks/{account_id}`: lifts the block (404 when there was none). */
export async function unblockSender(
  deps: ApiDeps,
  principal: Principal,
  accountId: string,
): Promise<DmBlockView> {
  if (!(await deleteDmBlock(deps.db, principal.accountId, accountId))) throw notFound('block');
  return { account_id: accountId, blocked: false, since: null };
}
