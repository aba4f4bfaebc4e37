/**
 * The worker's metric gauges' reads: one cheap query each (bounded by the metrics pool's
 * statement timeout; the partial indexes of migration 8500 keep them small).
 */
import type { Queryable } from './pool';

/** Withdrawal statuses that are still in flight (the terminal ones only grow). */
export const OPEN_WITHDRAWAL_STATUSES = ['queued', 'review', 'waiting_funds', 'broadcast'] as const;
export type OpenWithdrawalStatus = (typeof OPEN_WITHDRAWAL_STATUSES)[number];

/** How many withdrawals are in each open status (every open status present, 0 when none). */
export async function openWithdrawalsByStatus(db: Queryable): Promise<Record<OpenWithdrawalStatus, number>> {
  const r = await db.query<{ status: OpenWithdrawalStatus; n: number }>(
    `SELECT status, count(*)::int AS n FROM withdrawals
      WHERE status IN ('queued', 'review', 'waiting_funds', 'broadcast') GROUP BY status`,
  );
  const out = Object.fromEntries(OPEN_WITHDRAWAL_STATUSES.map((s) => [s, 0])) as Record<
    OpenWithdrawalStatus,
    number
  >;
  for (const row of r.rows) out[row.status] = row.n;
  return out;
}

/** Withdrawals waiting for an operator, and how long the oldest has waited (seconds, 0 when none). */
export async function reviewsWaiting(db: Queryable): Promise<{ count: number; oldestSeconds: number }> {
  const r = await db.query<{ n: number; oldest: number | null }>(
    `SELECT count(*)::int AS n, extract(epoch FROM now() - min(created_at))::float8 AS oldest
       FROM withdrawals WHERE status = 'review'`,
  );
  return { count: r.rows[0]?.n ?? 0, oldestSeconds: Math.max(0, r.rows[0]?.oldest ?? 0) };
}

/** Accounts whose webhook endpoint was disabled for failing too long. */
export async function disabledWebhookEndpoints(db: Queryable): Promise<number> {
  const r = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM accounts WHERE webhook_disabled_at IS NOT NULL',
  );
  return r.rows[0]?.n ?? 0;
}

/** The deposit watcher's saved cursor: the next block it scans and how long ago it last moved. */
export async function depositWatcherCursor(
  db: Queryable,
  watcherId: string,
): Promise<{ nextBlock: number; secondsSinceSaved: number } | undefined> {
  const r = await db.query<{ next_block: number; age: number }>(
    `SELECT next_block, extract(epoch FROM now() - updated_at)::float8 AS age
       FROM deposit_watch_cursors WHERE watcher_id = $1`,
    [watcherId],
  );
  const row = r.rows[0];
  return row ? { nextBlock: row.next_block, secondsSinceSaved: Math.max(0, row.age) } : undefined;
}
