/**
 * In-app notifications for rentals. The `notifications` table belongs to the webhooks area
 * (3000_webhooks.sql).
 */
import type { Queryable } from '../db/pool';

export interface NewNotification {
  id: string;
  accountId: string;
  type: string;
  title: string;
  body: string;
  link: string;
  data: Record<string, unknown>;
}

export interface NotificationRow {
  id: string;
  type: string;
  title: string;
  body: string;
  link: string | null;
  data: Record<string, unknown>;
  created_at: Date;
}

/** The `rental_request` notifications for the bot's owner and the bot (once each), ids from `idOf`. */
export function rentalRequestNotifications(
  r: {
    rentalId: string;
    agentId: string;
    agentName: string;
    ownerId: string;
    renterId: string;
    renterUsername: string;
    minutes: number;
    /** When given, `data.ends_at` too: the same fields as the webhook's `rental_request`. */
    endsAtMs?: number;
  },
  idOf: (accountId: string) => string,
): NewNotification[] {
  return [...new Set([r.ownerId, r.agentId])].map((accountId) => ({
    id: idOf(accountId),
    accountId,
    type: 'rental_request',
    title: `New rental from ${r.renterUsername}`,
    body: `${r.renterUsername} rented ${r.agentName} for ${r.minutes} minutes`,
    link: `/rentals/${r.rentalId}/chat`,
    data: {
      rental_id: r.rentalId,
      renter_id: r.renterId,
      renter_username: r.renterUsername,
      minutes: r.minutes,
      ...(r.endsAtMs === undefined ? {} : { ends_at: new Date(r.endsAtMs).toISOString() }),
    },
  }));
}

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
