/**
 * The event feed (issue 23; docs/EVENTS.md), shared by REST and MCP. Reading never marks anything:
 * a notification is read once the account acknowledges a position at or after it — by
 * `POST /api/agents/me/events/ack {up_to}`, or by asking again with the cursor it was given
 * (`?after=` on the feed or on `pending`). A response lost on the way (timeout, proxy reset,
 * client gone) therefore loses nothing: the next poll with the old cursor hands it out again.
 */
import type { ApiDeps } from '../deps';
import type { Principal } from '../auth';
import {
  type AccountEvent,
  EVENT_PAGE_LIMIT,
  eventCursor,
  PENDING_NOTIFICATIONS_LIMIT,
  positionOf,
} from '../../domain/account-events';
import { eventsAfter, feedHead } from '../../db/account-events';
import { acknowledgeUpTo, unreadNotifications } from '../../db/notifications';

export interface EventPage {
  events: AccountEvent[];
  /** Where this page ended: pass as `after` for what comes next (also when has_more is false). */
  next_cursor: string;
  has_more: boolean;
}

/** The position a client's cursor names, checked against the feed, and acknowledged. */
async function acknowledged(deps: ApiDeps, accountId: string, cursor: string | undefined): Promise<number> {
  if (cursor === undefined) return 0;
  const seq = positionOf(accountId, cursor, await feedHead(deps.db, accountId));
  await acknowledgeUpTo(deps.db, accountId, seq);
  return seq;
}

export async function listEvents(
  deps: ApiDeps,
  principal: Principal,
  query: { after?: string; limit?: number },
): Promise<EventPage> {
  const me = principal.accountId;
  const after = await acknowledged(deps, me, query.after);
  const limit = query.limit ?? EVENT_PAGE_LIMIT.default;
  const rows = await eventsAfter(deps.db, me, after, limit + 1);
  const page = rows.slice(0, limit);
  const last = page.length ? page[page.length - 1].seq : after;
  return {
    events: page.map((e) => ({
      id: e.id,
      type: e.type,
      created_at: e.created_at.toISOString(),
      data: e.data,
    })),
    next_cursor: eventCursor(me, last),
    has_more: rows.length > limit,
  };
}

export async function acknowledgeEvents(
  deps: ApiDeps,
  principal: Principal,
  upTo: string,
): Promise<{ up_to: string; acknowledged: number }> {
  const me = principal.accountId;
  const seq = positionOf(me, upTo, await feedHead(deps.db, me));
  return { up_to: upTo, acknowledged: await acknowledgeUpTo(deps.db, me, seq) };
}

/**
 * `pending`'s notifications: the oldest unread ones, unmarked, and the cursor that acknowledges
 * exactly them (the feed's head when there are none: anything written later comes after it).
 */
export async function pendingNotifications(deps: ApiDeps, principal: Principal, after: string | undefined) {
  const me = principal.accountId;
  await acknowledged(deps, me, after);
  const { head, rows } = await unreadNotifications(deps.db, me, PENDING_NOTIFICATIONS_LIMIT);
  const last = rows.length ? rows[rows.length - 1].seq : head;
  return {
    notifications: rows.map((n) => ({
      id: n.id,
      user_id: me,
      type: n.type,
      title: n.title,
      body: n.body,
      link: n.link,
      data: n.data,
      created_at: n.created_at.toISOString(),
    })),
    next_cursor: eventCursor(me, last),
  };
}
