/**
 * The event feed of an account (`account_events`, written by the triggers of
 * migrations/8950_account_events.sql, never by this module) and the read state it drives on
 * `notifications`: a notification is read once the account acknowledged a position at or after it.
 */
import type { Queryable } from './pool';

export interface AccountEventRow {
  seq: number;
  id: string;
  type: string;
  created_at: Date;
  data: Record<string, unknown>;
}

export interface PendingNotificationRow {
  seq: number;
  id: string;
  type: string;
  title: string;
  body: string | null;
  link: string | null;
  data: Record<string, unknown>;
  created_at: Date;
}

/** The last position of the account's feed that is visible now (0: no event yet). */
export async function feedHead(db: Queryable, accountId: string): Promise<number> {
  const r = await db.query<{ last_seq: string }>(
    'SELECT last_seq FROM account_event_heads WHERE account_id = $1',
    [accountId],
  );
  return r.rows[0] ? Number(r.rows[0].last_seq) : 0;
}

/** Up to `limit` events after position `afterSeq`, in feed order. */
export async function eventsAfter(
  db: Queryable,
  accountId: string,
  afterSeq: number,
  limit: number,
): Promise<AccountEventRow[]> {
  const r = await db.query<Omit<AccountEventRow, 'seq'> & { seq: string }>(
    `SELECT seq, id, type, created_at, data FROM account_events
      WHERE account_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
    [accountId, afterSeq, limit],
  );
  return r.rows.map((row) => ({ ...row, seq: Number(row.seq) }));
}

/** Marks read the account's notifications at or before position `upTo`; how many were unread. */
export async function acknowledgeUpTo(db: Queryable, accountId: string, upTo: number): Promise<number> {
  const r = await db.query(
    `UPDATE notifications SET read_at = now()
      WHERE account_id = $1 AND read_at IS NULL
        AND id IN (SELECT id FROM account_events WHERE account_id = $1 AND seq <= $2)`,
    [accountId, upTo],
  );
  return r.rowCount ?? 0;
}

/**
 * The oldest unread notifications (feed order) and, read in the same statement, the feed's head:
 * with none unread, every notification written later has a position after that head.
 */
export async function unreadNotifications(
  db: Queryable,
  accountId: string,
  limit: number,
): Promise<{ head: number; rows: PendingNotificationRow[] }> {
  const r = await db.query<
    { head: string } & { [K in keyof PendingNotificationRow]: PendingNotificationRow[K] | null } & {
      seq: string | null;
    }
  >(
    `SELECT coalesce((SELECT last_seq FROM account_event_heads WHERE account_id = $1), 0) AS head,
            u.seq, u.id, u.type, u.title, u.body, u.link, u.data, u.created_at
       FROM (SELECT 1) one
       LEFT JOIN LATERAL (
         SELECT e.seq, n.id, n.type, n.title, n.body, n.link, n.data, n.created_at
           FROM notifications n JOIN account_events e ON e.account_id = n.account_id AND e.id = n.id
          WHERE n.account_id = $1 AND n.read_at IS NULL
          ORDER BY e.seq LIMIT $2
       ) u ON true
      ORDER BY u.seq`,
    [accountId, limit],
  );
  const head = r.rows[0] ? Number(r.rows[0].head) : 0;
  const rows = r.rows
    .filter((row) => row.seq !== null)
    .map((row) => ({
      seq: Number(row.seq),
      id: row.id as string,
      type: row.type as string,
      title: row.title as string,
      body: row.body,
      link: row.link,
      data: row.data as Record<string, unknown>,
      created_at: row.created_at as Date,
    }));
  return { head, rows };
}
