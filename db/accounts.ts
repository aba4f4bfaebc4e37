/** Account reads: one keyset page of an account's API keys. */
import type { Queryable } from '../domain/db';
import { keyParams, keyTime } from './keyset';

/**
 * Newest first by (created_at, id), rows strictly after `after` (`[created_at as key text, id]`),
 * at most `take`; `columns` is the caller's select list (it owns the row shape).
 */
export async function apiKeysPage<R>(
  db: Queryable,
  columns: string,
  accountId: string,
  after: readonly (string | number)[] | null,
  take: number,
): Promise<(R & { key_time: string; id: string })[]> {
  const r = await db.query<R & { key_time: string; id: string }>(
    `SELECT ${columns}, ${keyTime('created_at')} AS key_time FROM api_keys
      WHERE account_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
      ORDER BY created_at DESC, id DESC LIMIT $4`,
    [accountId, ...keyParams(after, 2), take],
  );
  return r.rows;
}
