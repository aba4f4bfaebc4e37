/**
 * The event feed of an account (issue 23; docs/EVENTS.md): every notification and webhook event
 * written for it, numbered by a per-account `seq` (db/migrations/9400_account_events.sql says why
 * that number can never skip a late-committing event). A cursor is a position in one account's
 * feed: opaque to clients, bound to the account it was handed to. Pure.
 */
import { decodeCursor, encodeCursor, invalidCursor } from './pagination';

/** Events are kept at least this long (a purge, should one be added, must keep younger ones). */
export const EVENT_RETENTION_DAYS = 7;

export const EVENT_PAGE_LIMIT = { default: 50, max: 100 } as const;
/** Notifications per `pending` response, as before the feed. */
export const PENDING_NOTIFICATIONS_LIMIT = 50;

const LIST = 'events';

export interface AccountEvent {
  id: string;
  type: string;
  /** ISO-8601 UTC. */
  created_at: string;
  data: Record<string, unknown>;
}

/** The cursor of the position just after `seq` of the account's feed (0: before the first event). */
export const eventCursor = (accountId: string, seq: number): string => encodeCursor(LIST, [accountId, seq]);

/**
 * The feed position in a cursor handed to `accountId`, or `invalid_cursor` (400) for anything
 * else: garbage, another list's cursor, another account's, or a position the feed has not
 * reached (`headSeq`): acknowledging events nobody was shown would lose them.
 */
export function positionOf(accountId: string, cursor: string, headSeq: number): number {
  const [owner, seq] = decodeCursor(LIST, ['uuid', 'bigint'], cursor);
  if (owner !== accountId || typeof seq !== 'number' || seq < 0 || seq > headSeq) throw invalidCursor();
  return seq;
}
