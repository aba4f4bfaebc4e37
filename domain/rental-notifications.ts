/**
 * In-app notifications for rentals. The `notifications` table belongs to the webhooks area
 * (3000_webhooks.sql); until it is migrated, rentals neither write nor read notifications.
 */
import type { Queryable } from './db';

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

async function hasNotifications(db: Queryable): Promise<boolean> {
  const r = await db.query<{ present: boolean }>(
    `SELECT to_regclass('public.notifications') IS NOT NULL AS present`,
  );
  return r.rows[0].present;
}

/** Inserts each notification once per id. */
export async function insertNotifications(db: Queryable, items: NewNotification[]): Promise<void> {
  if (!items.length || !(await hasNotifications(db))) return;
  for (const n of items) {
    await db.query(
      `INSERT INTO notifications (id, account_id, type, title, body, link, data) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (id) DO NOTHING`,
      [n.id, n.accountId, n.type, n.title, n.body, n.link, JSON.stringify(n.data)],
    );
  }
}

/** Unread notifications of an account, oldest first; they are marked read as they are handed out. */
export async function takeUnreadNotifications(
  db: Queryable,
  accountId: string,
  limit: number,
): Promise<NotificationRow[]> {
  if (!(await hasNotifications(db))) return [];
  const r = await db.query<NotificationRow>(
    `UPDATE notifications SET read_at = now()
      WHERE id IN (SELECT id FROM notifications WHERE account_id = $1 AND read_at IS NULL ORDER BY created_at LIMIT $2)
      RETURNING id, type, title, body, link, data, created_at`,
    [accountId, limit],
  );
  return r.rows.sort((a, b) => a.created_at.getTime() - b.created_at.getTime());
}
