/** TRON wallet reads: one keyset page of an account's deposits. */
import type { Queryable } from '../domain/db';
import { keyParams, keyTime } from './keyset';

export interface DepositRow {
  txid: string;
  log_index: number;
  address: string;
  from_address: string;
  amount: number;
  block_number: number;
  confirmations: number;
  status: 'pending' | 'confirmed' | 'dropped' | 'failed';
  created_at: Date;
  credited_at: Date | null;
  key_time: string;
}

/**
 * Newest first by (created_at, txid, log_index), rows strictly after `after`
 * (`[created_at as key text, txid, log_index]`), skipping `offset` more (the older offset paging),
 * at most `take`.
 */
export async function depositsPage(
  db: Queryable,
  accountId: string,
  after: readonly (string | number)[] | null,
  offset: number,
  take: number,
): Promise<DepositRow[]> {
  const r = await db.query<DepositRow>(
    `SELECT txid, log_index, address, from_address, amount, block_number, confirmations, status, created_at,
            credited_at, ${keyTime('created_at')} AS key_time
       FROM deposits
      WHERE account_id = $1
        AND ($2::timestamptz IS NULL OR (created_at, txid, log_index) < ($2::timestamptz, $3::text, $4::int))
      ORDER BY created_at DESC, txid DESC, log_index DESC LIMIT $5 OFFSET $6`,
    [accountId, ...keyParams(after, 3), take, offset],
  );
  return r.rows;
}
