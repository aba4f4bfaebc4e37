/**
 * Rental use-cases: the API side of the rental lifecycle. The use-case holds the money before the
 * workflow starts (so 402 is immediate and nothing is held without a rental); everything after the
 * start goes through the `rental-<id>` workflow's updates, and reads come from the read models.
 *
 * Start, step by step, each step harmless to repeat: (1) post the hold under `rental-hold:<id>`;
 * (2) insert the rentals row (ON CONFLICT DO NOTHING); (3) start `rental-<id>` with USE_EXISTING /
 * REJECT_DUPLICATE. With an `Idempotency-Key` the rental id derives from the key, so a client retry
 * after a failure in (2) or (3) finishes the same rental instead of holding twice.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import { AppError, conflict, ErrorCode, forbidden, notFound } from '../../domain/errors';
import { deterministicUuid } from '../../domain/ids';
import { postJournal } from '../../domain/ledger';
import { fromMicro, times } from '../../domain/money';
import { rentalRequestNotifications, takeUnreadNotifications } from '../../domain/rental-notifications';
import { rentalCode } from '../../domain/rental-settlement';
import {
  insertRentalReturning,
  markRead,
  messagesOf,
  type RentalMessageRow,
  type RentalRow,
  rentalById,
  rentalsOf,
  unreadForAgent,
} from '../../domain/rental-store';
import {
  endRentalUpdate,
  extendRentalUpdate,
  postRentalMessageUpdate,
  rentalStartOptions,
  rentalWorkflow,
  rentalWorkflowId,
} from '../../workflows/rental';
import type { RentalInput } from '../../workflows/rental-state';
import type { Principal } from '../auth';
import { mayCreate } from '../deadline';
import type { ApiDeps } from '../deps';
import type { CreateRentalInput } from '../schemas/rentals';

const MS_PER_MINUTE = 60_000;

export function rentalJson(r: RentalRow, nowMs = Date.now()) {
  const endsAtMs = r.ends_at.getTime();
  return {
    id: r.id,
    code: r.code,
    agent_id: r.agent_id,
    bot_id: r.agent_id,
    agent_name: r.agent_name,
    renter_id: r.renter_id,
    renter_username: r.renter_username,
    owner_id: r.owner_id,
    status: r.status,
    channel: r.channel,
    minutes: r.minutes,
    price_per_minute: fromMicro(r.price_per_minute),
    total_cost: fromMicro(times(r.price_per_minute, r.minutes)),
    starts_at: r.starts_at.toISOString(),
    ends_at: r.ends_at.toISOString(),
    time_remaining_seconds: r.status === 'ended' ? 0 : Math.max(0, Math.floor((endsAtMs - nowMs) / 1000)),
    ended_at: r.ended_at?.toISOString() ?? null,
    ended_by: r.ended_by,
    settled: r.settled,
    billed_minutes: r.billed_minutes,
    refund: r.refund === null ? null : fromMicro(r.refund),
  };
}
export type RentalJson = ReturnType<typeof rentalJson>;

export const messageJson = (m: RentalMessageRow) => ({
  id: m.id,
  rental_id: m.rental_id,
  sender_id: m.sender_id,
  sender_username: m.sender_username,
  content: m.content,
  created_at: m.created_at.toISOString(),
});

const isParticipant = (r: RentalRow, accountId: string) =>
  r.renter_id === accountId || r.agent_id === accountId || r.owner_id === accountId;

/** The rental if the caller may see it; otherwise 404, so ids of others' rentals reveal nothing. */
async function visibleRental(deps: ApiDeps, principal: Principal, id: string): Promise<RentalRow> {
  const row = await rentalById(deps.db, id);
  if (!row || (!isParticipant(row, principal.accountId) && principal.role !== 'admin'))
    throw notFound('rental');
  return row;
}

/** Runs a rental update; a workflow that already finished means the rental is over. */
async function updateRental<T>(run: () => Promise<T>, whenClosed: () => AppError): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw whenClosed();
    throw err;
  }
}

const rentalEnded = () => new AppError(ErrorCode.RentalEnded, 'rental ended');
const alreadyEnded = () => conflict('rental already ended');

export async function createRental(
  deps: ApiDeps,
  principal: Principal,
  input: CreateRentalInput,
  idempotencyKey?: string,
): Promise<RentalJson> {
  const { db } = deps;
  const renterId = principal.accountId;
  // The agent, the renter's name and whether it has a spend cap: one round trip.
  const a = await db.query<{
    id: string;
    kind: string;
    owner_id: string | null;
    price_per_minute: number | null;
    name: string;
    integration: 'events' | 'proxy' | null;
    webhook_url: string | null;
    renter_name: string | null;
    renter_capped: boolean | null;
  }>(
    `SELECT a.id, a.kind, a.owner_id, a.price_per_minute, coalesce(a.display_name, a.username, a.id::text) AS name,
            a.integration, a.webhook_url, u.name AS renter_name, u.capped AS renter_capped
       FROM accounts a
       LEFT JOIN (SELECT coalesce(username, display_name, id::text) AS name,
                         settings->>'max_hourly_spend_usd' IS NOT NULL AS capped
                    FROM accounts WHERE id = $2) u ON true
      WHERE a.id = $1`,
    [input.agent_id, renterId],
  );
  const agent = a.rows[0];
  if (!agent || agent.kind !== 'bot') throw notFound('agent');
  if (agent.price_per_minute === null) throw conflict('agent is not rentable: it has no price_per_minute');
  if (agent.id === renterId || agent.owner_id === renterId) throw conflict('you cannot rent your own agent');

  const total = times(agent.price_per_minute, input.minutes);
  // The hold is a spending posting: postJournal checks the hourly spend cap atomically with it.
  const rentalId = idempotencyKey
    ? deterministicUuid(renterId, 'rentals.create', idempotencyKey)
    : randomUUID();
  // From the hold on, a 504 names the rental: its start may still complete (api/deadline.ts).
  mayCreate({ rental_id: rentalId });
  await postJournal(db, {
    idempotencyKey: `rental-hold:${rentalId}`,
    kind: 'rental_hold',
    reference: `rental:${rentalId}`,
    memo: { agent_id: agent.id, minutes: input.minutes },
    lines: [
      { account: { ownerId: renterId, purpose: 'available' }, amount: -total },
      { account: { ownerId: renterId, purpose: 'escrow', subject: `rental:${rentalId}` }, amount: total },
    ],
  });
  const startsAtMs = Date.now();
  const ownerId = agent.owner_id ?? agent.id;
  // On a retry the row keeps its first start time; the workflow must agree with it.
  const renterUsername = agent.renter_name ?? renterId;
  // The row and the owner's and bot's notifications in one statement, before the start, so the
  // workflow's first task has nothing to write (`startRecorded`).
  const { row, created } = await insertRentalReturning(
    db,
    {
      id: rentalId,
      code: rentalCode(rentalId),
      agentId: agent.id,
      renterId,
      ownerId,
      channel: input.channel,
      minutes: input.minutes,
      pricePerMinute: agent.price_per_minute,
      startsAtMs,
      endsAtMs: startsAtMs + input.minutes * MS_PER_MINUTE,
    },
    rentalRequestNotifications(
      {
        rentalId,
        agentId: agent.id,
        agentName: agent.name,
        ownerId,
        renterId,
        renterUsername,
        minutes: input.minutes,
      },
      (accountId) => deterministicUuid(rentalId, 'rental_request', accountId),
    ),
  );
  const workflowInput: RentalInput = {
    rentalId,
    agentId: agent.id,
    agentName: agent.name,
    renterId,
    renterUsername,
    ownerId,
    minutes: row.minutes,
    pricePerMinute: row.price_per_minute,
    channel: row.channel,
    startsAtMs: row.starts_at.getTime(),
    eventsEnabled: agent.integration === 'events' && !!agent.webhook_url,
    startRecorded: true,
  };
  try {
    await deps.temporal.workflow.start(rentalWorkflow, {
      ...rentalStartOptions(workflowInput),
      taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
      args: [workflowInput],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
  } catch (err) {
    // A retry after the rental already finished: the original rental is the answer.
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  // A new rental is the row just written; a retry answers with the rental as it is now.
  return rentalJson(created ? row : (await rentalById(db, rentalId))!);
}

export async function listRentals(
  deps: ApiDeps,
  principal: Principal,
  query: { status?: 'active' | 'ending_soon' | 'ended'; limit: number },
): Promise<{ rentals: RentalJson[] }> {
  const rows = await rentalsOf(deps.db, principal.accountId, query);
  const now = Date.now();
  return { rentals: rows.map((r) => rentalJson(r, now)) };
}

export async function getRental(deps: ApiDeps, principal: Principal, id: string): Promise<RentalJson> {
  return rentalJson(await visibleRental(deps, principal, id));
}

export async function extendRental(
  deps: ApiDeps,
  principal: Principal,
  id: string,
  minutes: number,
  idempotencyKey?: string,
): Promise<RentalJson> {
  const row = await visibleRental(deps, principal, id);
  if (row.renter_id !== principal.accountId) throw forbidden('only the renter can extend a rental');
  if (row.status === 'ended') throw alreadyEnded();
  const requestId = idempotencyKey
    ? deterministicUuid(principal.accountId, 'rentals.extend', id, idempotencyKey)
    : randomUUID();
  mayCreate({ rental_id: id });
  await updateRental(
    () =>
      deps.temporal.workflow.getHandle(rentalWorkflowId(id)).executeUpdate(extendRentalUpdate, {
        args: [{ minutes, byAccountId: principal.accountId, requestId }],
        // The minutes are part of the id, so the same key with other minutes reaches the
        // workflow (→ 422) instead of being answered with the first request's outcome.
        updateId: `extend-${requestId}-${minutes}`,
      }),
    alreadyEnded,
  );
  return rentalJson((await rentalById(deps.db, id))!);
}

export async function endRental(
  deps: ApiDeps,
  principal: Principal,
  id: string,
  reason?: string,
): Promise<RentalJson> {
  const row = await visibleRental(deps, principal, id);
  const byOperator = !isParticipant(row, principal.accountId) && principal.role === 'admin';
  if (!byOperator && row.renter_id !== principal.accountId && row.owner_id !== principal.accountId)
    throw forbidden('only the renter, the owner or an operator can end a rental');
  if (row.status === 'ended') throw alreadyEnded();
  await updateRental(
    () =>
      deps.temporal.workflow
        .getHandle(rentalWorkflowId(id))
        .executeUpdate(endRentalUpdate, { args: [{ byAccountId: principal.accountId, reason, byOperator }] }),
    alreadyEnded,
  );
  return rentalJson((await rentalById(deps.db, id))!);
}

export async function listMessages(
  deps: ApiDeps,
  principal: Principal,
  id: string,
): Promise<{ messages: ReturnType<typeof messageJson>[] }> {
  const row = await visibleRental(deps, principal, id);
  if (!isParticipant(row, principal.accountId)) throw notFound('rental');
  const messages = await messagesOf(deps.db, id);
  // What a participant has read is no longer "unread" in its pending view.
  if (messages.length) await markRead(deps.db, id, principal.accountId, messages[messages.length - 1].seq);
  return { messages: messages.map(messageJson) };
}

export async function postMessage(
  deps: ApiDeps,
  principal: Principal,
  id: string,
  content: string,
): Promise<ReturnType<typeof messageJson>> {
  const row = await visibleRental(deps, principal, id);
  if (!isParticipant(row, principal.accountId)) throw notFound('rental');
  if (row.status === 'ended') throw rentalEnded();
  mayCreate({ rental_id: id });
  const stored = await updateRental(
    () =>
      deps.temporal.workflow
        .getHandle(rentalWorkflowId(id))
        .executeUpdate(postRentalMessageUpdate, { args: [{ senderId: principal.accountId, content }] }),
    rentalEnded,
  );
  return messageJson({ ...stored, created_at: new Date(stored.created_at) });
}

/** One round trip for a polling bot: its live rentals, messages it has not seen, notifications. */
export async function agentPending(deps: ApiDeps, principal: Principal) {
  const { db } = deps;
  const me = principal.accountId;
  const now = Date.now();
  const live = await db.query<RentalRow>(
    `SELECT r.*, NULL AS agent_name, coalesce(u.username, u.display_name) AS renter_username
       FROM rentals r JOIN accounts u ON u.id = r.renter_id
      WHERE r.agent_id = $1 AND r.status <> 'ended' ORDER BY r.starts_at`,
    [me],
  );
  const unread = await unreadForAgent(db, me, 200);
  const lastSeq = new Map<string, number>();
  for (const m of unread) lastSeq.set(m.rental_id, Math.max(lastSeq.get(m.rental_id) ?? 0, m.seq));
  for (const [rentalId, seq] of lastSeq) await markRead(db, rentalId, me, seq);
  const notifications = await takeUnreadNotifications(db, me, 50);
  return {
    active_rentals: live.rows.map((r) => ({
      id: r.id,
      bot_id: r.agent_id,
      renter_id: r.renter_id,
      renter_username: r.renter_username,
      status: r.status,
      starts_at: r.starts_at.toISOString(),
      ends_at: r.ends_at.toISOString(),
      time_remaining_seconds: Math.max(0, Math.floor((r.ends_at.getTime() - now) / 1000)),
    })),
    unread_messages: unread.map(messageJson),
    pending_service_orders: [] as unknown[],
    notifications: notifications.map((n) => ({
      id: n.id,
      user_id: me,
      type: n.type,
      title: n.title,
      body: n.body,
      link: n.link,
      data: n.data,
      created_at: n.created_at.toISOString(),
    })),
  };
}
