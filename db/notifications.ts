/**
 * In-app notifications for rentals. The `notifications` table belongs to the webhooks area
 * (3000_webhooks.sql); every row inserted also enters the account's event feed (a trigger,
 * migrations/9400_account_events.sql), and is read once the account acknowledged its position
 * there (never when it is handed out: a lost response would lose it).
 */
import type { NewNotification } from '../domain/rental-notifications';
import type { Queryable } from './pool';

export type * from '../domain/rental-notifications';

/** SQL inserting the notifications in `$<param>` (JSON of NewNotification[]) once per id. */
export const insertNotificationsSql = (param: number) =>
  `INSERT INTO notifications (id, account_id, type, title, body, link, data)
   SELECT n.id, n."accountId", n.type, n.title, n.body, n.link, coalesce(n.data, '{}'::jsonb)
     FROM jsonb_to_recordset($${param}::jsonb)
       AS n(id uuid, "accountId" uuid, type text, title text, body text, link text, data jsonb)
   ON CONFLICT (id) DO NOTHING`;

/** Inserts each notification once per id, in one statement. */
export async function insertNotifications(db: Queryable, items: NewNotification[]): Promise<void> {
  if (!items.length) return;
  await db.query(insertNotificationsSql(1), [JSON.stringify(items)]);
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

/** How a rental event already went out: as a polling notification or as a webhook delivery. */
export interface RentalEventRouteRow {
  route: 'notification' | 'webhook';
}

export const rentalEventRoute = (db: Queryable, notificationId: string, deliveryId: string) =>
  db.query<RentalEventRouteRow>(
    `SELECT 'notification' AS route FROM notifications WHERE id = $1
         UNION ALL SELECT 'webhook' FROM webhook_deliveries WHERE id = $2 AND state <> 'skipped'`,
    [notificationId, deliveryId],
  );

export const agentTakesPushedEvents = (db: Queryable, accountId: string) =>
  db.query<{ pushes: boolean }>(
    `SELECT integration = 'events' AND webhook_url IS NOT NULL AND webhook_disabled_at IS NULL AS pushes
           FROM accounts WHERE id = $1`,
    [accountId],
  );

export const insertNotification = (
  db: Queryable,
  id: string,
  accountId: string,
  type: string,
  title: string,
  body: string,
  link: string | null,
  dataJson: string,
) =>
  db.query(
    `INSERT INTO notifications (id, account_id, type, title, body, link, data)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
    [id, accountId, type, title, body, link, dataJson],
  );
