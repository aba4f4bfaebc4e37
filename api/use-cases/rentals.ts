/**
 * Rental use-cases: the API side of the rental lifecycle. A rental starts with update-with-start:
 * `rental-<id>` holds the money and writes the rentals row as its first step and answers the
 * `rentalReserved` update (402 when short), so nothing is ever held without the workflow that
 * owns it. Everything after the start goes through the workflow's updates; reads come from the
 * read models. With an `Idempotency-Key` the rental id derives from the key, so a client retry
 * reaches the same workflow instead of holding twice.
 */
import { untilProcessed } from '../workflow-updates';
import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { AppError, appError, ErrorCode, notFound, refuseIf } from '../../domain/errors';
import { deterministicUuid } from '../../domain/ids';
import { fromMicro, times } from '../../domain/money';
import { afterKey, PAGE_LIMIT, toPage } from '../../domain/pagination';
import { pendingNotifications } from './account-events';
import { bookingRefusal } from '../../domain/rental-booking';
import { type RentalMessageRow, type RentalRow, type RentalStatus } from '../../domain/rental-store';
import { markRead, messageOf, messagesOf, rentalById, rentalsOf, unreadForAgent } from '../../db/rentals';
import {
  cancelRentalUpdate,
  endRentalUpdate,
  extendRentalUpdate,
  postRentalMessageUpdate,
  RENTAL_WORKFLOW_TYPE,
  type RentalInput,
  type RentalWorkflow,
  rentalReservedUpdate,
  rentalStartOptions,
  rentalWorkflowId,
} from '../../workflows/rental/contract';
import type { Principal } from '../auth';
import { mayCreate } from '../deadline';
import { toAppError } from '../errors';
import { pendingServiceOrders } from './service-orders';
import type { ApiDeps } from '../deps';
import { audited } from './operators';
import type { CreateRentalInput } from '../schemas/rentals';
import {
  mayCancelRental,
  mayEndRental,
  mayExtendRental,
  mayUseRentalMessages,
  mayViewRental,
  type RentalParties,
} from '../../domain/rental-permissions';
import { liveRentalsOfAgent, rentalQuoteOf } from '../../db/rentals';

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
    time_remaining_seconds: timeRemaining(r, endsAtMs, nowMs),
    ended_at: r.ended_at?.toISOString() ?? null,
    ended_by: r.ended_by,
    ended_reason: r.ended_reason,
    max_silence_minutes: r.max_silence_minutes,
    settled: r.settled,
    billed_minutes: r.billed_minutes,
    // Settled before health-gated billing: none were left out.
    unavailable_minutes: r.settled ? (r.unavailable_minutes?.length ?? 0) : null,
    refund: r.refund === null ? null : fromMicro(r.refund),
  };
}
export type RentalJson = ReturnType<typeof rentalJson>;

/** Seconds of rental left: all of them before a booked start, none once ended. */
function timeRemaining(r: RentalRow, endsAtMs: number, nowMs: number): number {
  if (r.status === 'ended') return 0;
  if (r.status === 'scheduled') return r.minutes * 60;
  return Math.max(0, Math.floor((endsAtMs - nowMs) / 1000));
}

export const messageJson = (m: RentalMessageRow) => ({
  id: m.id,
  rental_id: m.rental_id,
  sender_id: m.sender_id,
  sender_username: m.sender_username,
  content: m.content,
  created_at: m.created_at.toISOString(),
});

const partiesOf = (r: RentalRow): RentalParties => ({
  renterId: r.renter_id,
  agentId: r.agent_id,
  ownerId: r.owner_id,
});
const isParticipant = (r: RentalRow, accountId: string) =>
  mayUseRentalMessages(partiesOf(r), accountId) === null;

/** The rental if the caller may see it; otherwise 404, so ids of others' rentals reveal nothing. */
async function visibleRental(deps: ApiDeps, principal: Principal, id: string): Promise<RentalRow> {
  const row = await rentalById(deps.db, id);
  if (!row) throw appError('rental_not_found');
  refuseIf(
    mayViewRental(partiesOf(row), { accountId: principal.accountId, operator: principal.role === 'admin' }),
  );
  return row;
}

/** Runs a rental update; a workflow that already finished means the rental is over. */
async function updateRental<T>(run: () => Promise<T>, whenClosed: () => AppError): Promise<T> {
  try {
    return await untilProcessed(run);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw whenClosed();
    throw err;
  }
}

const rentalEnded = () => appError('rental_ended');
const alreadyEnded = () => appError('rental_already_ended');

export async function createRental(
  deps: ApiDeps,
  principal: Principal,
  input: CreateRentalInput,
  idempotencyKey?: string,
): Promise<RentalJson> {
  const { db } = deps;
  const renterId = principal.accountId;
  // The agent, the renter's name and whether it has a spend cap: one round trip.
  const a = await rentalQuoteOf(db, input.agent_id, renterId);
  const agent = a.rows[0];
  if (!agent || agent.kind !== 'bot') throw notFound('agent');
  if (agent.price_per_minute === null) throw appError('agent_not_rentable');
  if (agent.id === renterId || agent.owner_id === renterId) throw appError('rental_own_agent');
  // Booked ahead: `scheduled` until then. Overlapping bookings of one agent are allowed, as
  // immediate rentals are (docs/RENTALS.md): an agent serves its renters at the same time.
  const startsAtMs = input.starts_at === undefined ? undefined : Date.parse(input.starts_at);
  if (startsAtMs !== undefined) {
    const refusal = bookingRefusal(startsAtMs, Date.now());
    if (refusal) throw appError(refusal);
  }

  // The hold (the workflow's first step) is a spending posting: postJournal checks the hourly
  // spend cap atomically with it.
  const rentalId = idempotencyKey
    ? deterministicUuid(renterId, 'rentals.create', idempotencyKey)
    : randomUUID();
  // From here on a 504 names the rental: its start may still complete (api/deadline.ts).
  mayCreate({ rental_id: rentalId });
  const workflowInput: RentalInput = {
    rentalId,
    agentId: agent.id,
    agentName: agent.name,
    renterId,
    renterUsername: agent.renter_name ?? renterId,
    ownerId: agent.owner_id ?? agent.id,
    minutes: input.minutes,
    pricePerMinute: agent.price_per_minute,
    channel: input.channel,
    eventsEnabled: agent.integration === 'events' && !!agent.webhook_url,
    holdFunds: true,
    oneTaskStart: true,
    ...(startsAtMs === undefined ? {} : { bookedAhead: true, startsAtMs }),
    ...(input.max_silence_minutes === undefined ? {} : { maxSilenceMinutes: input.max_silence_minutes }),
  };
  // The workflow holds the money as its first step and answers this update (402 when short):
  // a start that fails holds nothing, and no hold exists without its workflow.
  // A with-start operation runs once: a second ask (untilProcessed) needs its own.
  const startWorkflowOperation = () =>
    new WithStartWorkflowOperation<RentalWorkflow>(
      RENTAL_WORKFLOW_TYPE,
      rentalStartOptions(workflowInput, deps.config.TEMPORAL_TASK_QUEUE),
    );
  try {
    // No fixed update id: Temporal would answer a retry with a failed run's old outcome (402)
    // instead of starting afresh; a second update on a running rental only reads its state.
    await untilProcessed(() =>
      deps.temporal.workflow.executeUpdateWithStart(rentalReservedUpdate, {
        startWorkflowOperation: startWorkflowOperation(),
      }),
    );
  } catch (err) {
    // A retry after the rental already finished: the original rental is the answer.
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  const row = await rentalById(db, rentalId);
  if (!row) throw new AppError(ErrorCode.Unavailable, 'rental is not recorded yet, retry');
  return rentalJson(row);
}

export async function listRentals(
  deps: ApiDeps,
  principal: Principal,
  query: { status?: RentalStatus; limit: number; cursor?: string },
): Promise<{ rentals: RentalJson[]; next_cursor: string | null; has_more: boolean }> {
  const after = afterKey('rentals', ['time', 'uuid'], query.cursor);
  const rows = await rentalsOf(deps.db, principal.accountId, {
    status: query.status,
    after,
    take: query.limit + 1,
  });
  const page = toPage(rows, query.limit, 'rentals', (r) => [r.key_time, r.id]);
  const now = Date.now();
  return {
    rentals: page.items.map(({ key_time: _key, ...r }) => rentalJson(r, now)),
    next_cursor: page.next_cursor,
    has_more: page.has_more,
  };
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
  refuseIf(
    mayExtendRental(partiesOf(row), { accountId: principal.accountId, operator: principal.role === 'admin' }),
  );
  if (row.status === 'ended') throw alreadyEnded();
  const requestId = idempotencyKey
    ? deterministicUuid(principal.accountId, 'rentals.extend', id, idempotencyKey)
    : randomUUID();
  mayCreate({ rental_id: id });
  const extend = () =>
    updateRental(
      () =>
        deps.temporal.workflow.getHandle(rentalWorkflowId(id)).executeUpdate(extendRentalUpdate, {
          args: [{ minutes, byAccountId: principal.accountId, requestId }],
          // The minutes are part of the id, so the same key with other minutes reaches the
          // workflow (→ 422) instead of being answered with the first request's outcome.
          updateId: `extend-${requestId}-${minutes}`,
        }),
      alreadyEnded,
    );
  // An operator extending someone else's rental is an operator action: audited.
  if (isParticipant(row, principal.accountId)) await extend();
  else
    await audited(
      deps,
      { principal },
      { action: 'rental.extend', subjectId: id, reason: `${minutes} minutes` },
      extend,
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
  refuseIf(mayEndRental(partiesOf(row), { accountId: principal.accountId, operator: byOperator }));
  if (row.status === 'ended') throw alreadyEnded();
  const end = () =>
    updateRental(
      () =>
        deps.temporal.workflow.getHandle(rentalWorkflowId(id)).executeUpdate(endRentalUpdate, {
          args: [{ byAccountId: principal.accountId, reason, byOperator }],
        }),
      alreadyEnded,
    );
  // An operator ending someone else's rental is an operator action: audited.
  if (byOperator)
    await audited(deps, { principal }, { action: 'rental.end', subjectId: id, reason: reason ?? null }, end);
  else await end();
  return rentalJson((await rentalById(deps.db, id))!);
}

/**
 * Cancels a rental booked ahead before its start (the renter or the bot's owner): the workflow
 * refunds the whole hold (keyed) and, when the owner cancelled, tells the renter. 409 once started.
 */
export async function cancelRental(
  deps: ApiDeps,
  principal: Principal,
  id: string,
  reason?: string,
): Promise<RentalJson> {
  const row = await visibleRental(deps, principal, id);
  refuseIf(mayCancelRental(partiesOf(row), principal.accountId));
  if (row.status === 'ended') throw alreadyEnded();
  if (row.status !== 'scheduled') throw appError('rental_already_started');
  await updateRental(
    () =>
      deps.temporal.workflow
        .getHandle(rentalWorkflowId(id))
        .executeUpdate(cancelRentalUpdate, { args: [{ byAccountId: principal.accountId, reason }] }),
    alreadyEnded,
  );
  return rentalJson((await rentalById(deps.db, id))!);
}

/** The transcript, whole or (with `limit` or `cursor`) one page in order; see listMessagesQuery. */
export async function listMessages(
  deps: ApiDeps,
  principal: Principal,
  id: string,
  query: { limit?: number; cursor?: string } = {},
): Promise<{ messages: ReturnType<typeof messageJson>[]; next_cursor: string | null; has_more: boolean }> {
  const row = await visibleRental(deps, principal, id);
  refuseIf(mayUseRentalMessages(partiesOf(row), principal.accountId));
  const list = `messages:${id}`;
  const after = afterKey(list, ['int'], query.cursor);
  const paged = query.limit !== undefined || after !== null;
  const limit = query.limit ?? PAGE_LIMIT.default;
  const rows = await messagesOf(
    deps.db,
    id,
    paged ? { afterSeq: (after?.[0] as number) ?? null, take: limit + 1 } : undefined,
  );
  const page = paged
    ? toPage(rows, limit, list, (m) => [m.seq])
    : { items: rows, next_cursor: null, has_more: false };
  const messages = page.items;
  // What a participant has read is no longer "unread" in its pending view.
  if (messages.length) await markRead(deps.db, id, principal.accountId, messages[messages.length - 1].seq);
  return { messages: messages.map(messageJson), next_cursor: page.next_cursor, has_more: page.has_more };
}

export async function postMessage(
  deps: ApiDeps,
  principal: Principal,
  id: string,
  content: string,
): Promise<ReturnType<typeof messageJson>> {
  const row = await visibleRental(deps, principal, id);
  refuseIf(mayUseRentalMessages(partiesOf(row), principal.accountId));
  if (row.status === 'ended') throw rentalEnded();
  mayCreate({ rental_id: id });
  const messageId = randomUUID();
  try {
    const stored = await updateRental(
      () =>
        deps.temporal.workflow.getHandle(rentalWorkflowId(id)).executeUpdate(postRentalMessageUpdate, {
          args: [{ senderId: principal.accountId, content, messageId }],
        }),
      rentalEnded,
    );
    return messageJson({ ...stored, created_at: new Date(stored.created_at) });
  } catch (err) {
    // The transcript is the truth: a workflow task the worker lost may have stored the message
    // before the end closed the transcript, and its redo then met the end first (refused).
    const refusedAsEnded = toAppError(err)?.wireCode === 'rental_ended';
    const stored = refusedAsEnded ? await messageOf(deps.db, id, messageId) : undefined;
    if (!stored) throw err;
    return messageJson(stored);
  }
}

/** One round trip for a polling bot: its live rentals, messages it has not seen, notifications. */
export async function agentPending(deps: ApiDeps, principal: Principal, after?: string) {
  const { db } = deps;
  const me = principal.accountId;
  // First, so a bad cursor (400) changes nothing. Notifications are not marked read here: only an
  // acknowledged cursor does that (use-cases/account-events.ts).
  const { notifications, next_cursor } = await pendingNotifications(deps, principal, after);
  const now = Date.now();
  const live = await liveRentalsOfAgent(db, me);
  const unread = await unreadForAgent(db, me, 200);
  const lastSeq = new Map<string, number>();
  for (const m of unread) lastSeq.set(m.rental_id, Math.max(lastSeq.get(m.rental_id) ?? 0, m.seq));
  for (const [rentalId, seq] of lastSeq) await markRead(db, rentalId, me, seq);
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
    pending_service_orders: await pendingServiceOrders(deps, me),
    notifications,
    // Beyond the seed's shape (its clients ignore unknown fields): pass it back as `?after=`.
    next_cursor,
  };
}
