/**
 * The event feed of an account (`account_events`, written by the triggers of
 * migrations/9400_account_events.sql, never by this module). The read state it drives on
 * `notifications` is in db/notifications.ts.
 */
import type { Queryable } from './pool';

export interface AccountEventRow {
  seq: number;
  id: string;
  type: string;
  created_at: Date;
  data: Record<string, unknown>;
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
