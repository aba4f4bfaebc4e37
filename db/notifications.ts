/**
 * In-app notifications for rentals. The `notifications` table belongs to the webhooks area
 * (3000_webhooks.sql).
 */
import type { NewNotification, NotificationRow } from '../domain/rental-notifications';
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

/** Unread notifications of an account, oldest first; they are marked read as they are handed out. */
export async function takeUnreadNotifications(
  db: Queryable,
  accountId: string,
  limit: number,
): Promise<NotificationRow[]> {
  const r = await db.query<NotificationRow>(
    `UPDATE notifications SET read_at = now()
      WHERE id IN (SELECT id FROM notifications WHERE account_id = $1 AND read_at IS NULL ORDER BY created_at LIMIT $2)
      RETURNING id, type, title, body, link, data, created_at`,
    [accountId, limit],
  );
  return r.rows.sort((a, b) => a.created_at.getTime() - b.created_at.getTime());
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
