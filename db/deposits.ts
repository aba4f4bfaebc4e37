/**
 * Store of the deposit tables: deposit_addresses (one per account), deposits (the read model the
 * deposit workflows write) and deposit_watch_cursors (where the watcher has scanned to).
 */
import { type KeysetAfter, keyParams, keyTime } from './keyset';
import type { DepositStatus } from '../domain/deposits';
import type { Queryable } from './pool';

export const depositAddressOf = (db: Queryable, accountId: string) =>
  db.query<{ address: string }>('SELECT address FROM deposit_addresses WHERE account_id = $1', [accountId]);

export const nextDepositAddressIndex = (db: Queryable) =>
  db.query<{ index: number }>(`SELECT nextval('deposit_address_index_seq')::int AS index`);

export const insertDepositAddress = (
  db: Queryable,
  accountId: string,
  derivationIndex: number,
  address: string,
) =>
  db.query(
    `INSERT INTO deposit_addresses (account_id, derivation_index, address) VALUES ($1, $2, $3)
       ON CONFLICT (account_id) DO NOTHING`,
    [accountId, derivationIndex, address],
  );

/** A deposit as the API lists it. */
export interface DepositRow {
  txid: string;
  log_index: number;
  address: string;
  from_address: string;
  amount: number;
  block_number: number;
  confirmations: number;
  status: DepositStatus;
  created_at: Date;
  credited_at: Date | null;
}

/**
 * One keyset page of an account's deposits, newest first by (created_at, txid, log_index): rows
 * strictly after `after` (`[created_at as key text, txid, log_index]`), skipping `offset` more
 * (the older offset paging), at most `take`; each row with its `key_time`.
 */
export const depositsOf = (
  db: Queryable,
  accountId: string,
  after: KeysetAfter,
  offset: number,
  take: number,
) =>
  db.query<DepositRow & { key_time: string }>(
    `SELECT txid, log_index, address, from_address, amount, block_number, confirmations, status, created_at,
            credited_at, ${keyTime('created_at')} AS key_time
       FROM deposits
      WHERE account_id = $1
        AND ($2::timestamptz IS NULL OR (created_at, txid, log_index) < ($2::timestamptz, $3::text, $4::int))
      ORDER BY created_at DESC, txid DESC, log_index DESC LIMIT $5 OFFSET $6`,
    [accountId, ...keyParams(after, 3), take, offset],
  );

export const pendingDepositsToResignal = (db: Queryable, fromBlock: number, upTo: number, max: number) =>
  db.query<{ txid: string; log_index: number }>(
    `SELECT txid, log_index FROM deposits
          WHERE status = 'pending' AND block_number > $1 AND block_number <= $2
          ORDER BY block_number DESC LIMIT $3`,
    [fromBlock, upTo, max],
  );

export const depositAddressesAmong = (db: Queryable, addresses: string[]) =>
  db.query<{ address: string; account_id: string }>(
    'SELECT address, account_id FROM deposit_addresses WHERE address = ANY($1)',
    [addresses],
  );

export const saveWatchCursor = (
  db: Queryable,
  watcherId: string,
  nextBlock: number,
  lastBlockId: string | null,
) =>
  db.query(
    `INSERT INTO deposit_watch_cursors (watcher_id, next_block, last_block_id) VALUES ($1, $2, $3)
         ON CONFLICT (watcher_id) DO UPDATE SET next_block = EXCLUDED.next_block,
           last_block_id = EXCLUDED.last_block_id, updated_at = now()`,
    [watcherId, nextBlock, lastBlockId],
  );

/** The genesis block id the watcher's cursor counts on (null before it was first recorded). */
export const watchGenesisOf = (db: Queryable, watcherId: string) =>
  db.query<{ genesis_block_id: string | null }>(
    'SELECT genesis_block_id FROM deposit_watch_cursors WHERE watcher_id = $1',
    [watcherId],
  );

/** Records the chain the cursor counts on (after a scan of it, or when the chain was replaced). */
export const saveWatchGenesis = (db: Queryable, watcherId: string, genesisBlockId: string) =>
  db.query('UPDATE deposit_watch_cursors SET genesis_block_id = $2 WHERE watcher_id = $1', [
    watcherId,
    genesisBlockId,
  ]);

export const watchCursorOf = (db: Queryable, watcherId: string) =>
  db.query<{ next_block: number; last_block_id: string | null }>(
    'SELECT next_block, last_block_id FROM deposit_watch_cursors WHERE watcher_id = $1',
    [watcherId],
  );

export const insertDeposit = (
  db: Queryable,
  txid: string,
  logIndex: number,
  accountId: string,
  address: string,
  fromAddress: string,
  amount: number,
  blockNumber: number,
) =>
  db.query(
    `INSERT INTO deposits (txid, log_index, account_id, address, from_address, amount, block_number)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (txid, log_index) DO NOTHING`,
    [txid, logIndex, accountId, address, fromAddress, amount, blockNumber],
  );

export const setDepositConfirmations = (
  db: Queryable,
  txid: string,
  logIndex: number,
  confirmations: number,
) =>
  db.query(
    `UPDATE deposits SET confirmations = $3, updated_at = now()
            WHERE txid = $1 AND log_index = $2 AND status = 'pending' AND confirmations <> $3`,
    [txid, logIndex, confirmations],
  );

export const confirmDeposit = (
  db: Queryable,
  txid: string,
  logIndex: number,
  amount: number,
  blockNumber: number,
  confirmations: number,
) =>
  db.query(
    `UPDATE deposits SET status = 'confirmed', amount = $3, block_number = $4, confirmations = greatest(confirmations, $5),
                credited_at = coalesce(credited_at, now()), updated_at = now()
          WHERE txid = $1 AND log_index = $2`,
    [txid, logIndex, amount, blockNumber, confirmations],
  );

export const setDepositStatus = (
  db: Queryable,
  txid: string,
  logIndex: number,
  status: DepositStatus,
  reason: string | null,
) =>
  db.query(
    `UPDATE deposits SET status = $3, status_reason = $4, updated_at = now()
          WHERE txid = $1 AND log_index = $2 AND status = 'pending'`,
    [txid, logIndex, status, reason],
  );

/** The watcher's cursor and when it last moved (the operator console's lag view). */
export async function watcherCursor(
  db: Queryable,
  watcherId: string,
): Promise<{ next_block: number; updated_at: Date } | undefined> {
  const r = await db.query<{ next_block: number; updated_at: Date }>(
    'SELECT next_block, updated_at FROM deposit_watch_cursors WHERE watcher_id = $1',
    [watcherId],
  );
  return r.rows[0];
}
