/**
 * Store of the withdrawals and withdrawal_attempts tables: the read model the withdrawal workflow
 * writes (through its activities) and the API and the operator console read. One row type,
 * `WithdrawalRow`, for every read of a withdrawal.
 */
import type { ReviewReason } from '../domain/withdrawal-risk';
import type { WithdrawalStatus } from '../domain/withdrawals';
import type { Queryable } from './pool';

export interface WithdrawalRow {
  id: string;
  account_id: string;
  amount: number;
  fee: number;
  net_amount: number;
  address: string;
  status: WithdrawalStatus;
  status_reason: string | null;
  review_reasons: ReviewReason[];
  decided_by: string | null;
  txid: string | null;
  block_number: number | null;
  created_at: Date;
  updated_at: Date;
}

const WITHDRAWAL_COLUMNS = `id, account_id, amount, fee, net_amount, address, status, status_reason, review_reasons,
  decided_by, txid, block_number, created_at, updated_at`;

export async function findWithdrawal(db: Queryable, id: string): Promise<WithdrawalRow | undefined> {
  const r = await db.query<WithdrawalRow>(`SELECT ${WITHDRAWAL_COLUMNS} FROM withdrawals WHERE id = $1`, [
    id,
  ]);
  return r.rows[0];
}

/** Withdrawals in one status, oldest first (the review queue is worked in arrival order). */
export async function listWithdrawalsByStatus(
  db: Queryable,
  status: string,
  limit: number,
  after?: { createdAt: string; id: string },
): Promise<WithdrawalRow[]> {
  const r = await db.query<WithdrawalRow>(
    `SELECT ${WITHDRAWAL_COLUMNS} FROM withdrawals
      WHERE status = $1 AND ($3::timestamptz IS NULL OR (created_at, id) > ($3::timestamptz, $4::uuid))
      ORDER BY created_at, id LIMIT $2`,
    [status, limit, after?.createdAt ?? null, after?.id ?? null],
  );
  return r.rows;
}

/**
 * One signed attempt of a withdrawal. The signed transaction is the chain library's JSON, stored
 * as is: its shape is the caller's (`SignedTx`), the columns and the rest of the row are this store's.
 */
export const withdrawalAttemptOf = <SignedTx>(db: Queryable, withdrawalId: string, attempt: number) =>
  db.query<{ txid: string; signed_tx: SignedTx; expiration: number }>(
    'SELECT txid, signed_tx, expiration FROM withdrawal_attempts WHERE withdrawal_id = $1 AND attempt = $2',
    [withdrawalId, attempt],
  );

export const setWithdrawalTxid = (db: Queryable, withdrawalId: string, txid: string) =>
  db.query(
    'UPDATE withdrawals SET txid = $2, updated_at = now() WHERE id = $1 AND txid IS DISTINCT FROM $2',
    [withdrawalId, txid],
  );

export const withdrawalReviewReasons = (db: Queryable, withdrawalId: string) =>
  db.query<{ review_reasons: ReviewReason[] }>('SELECT review_reasons FROM withdrawals WHERE id = $1', [
    withdrawalId,
  ]);

export const withdrawalHistoryOf = (db: Queryable, accountId: string, address: string) =>
  db.query<{ confirmed: number; recent: number }>(
    `SELECT count(*) FILTER (WHERE address = $2 AND status = 'confirmed')::int AS confirmed,
                  count(*) FILTER (WHERE created_at > now() - interval '24 hours'
                                      OR status IN ('queued', 'review', 'waiting_funds', 'broadcast'))::int AS recent
             FROM withdrawals WHERE account_id = $1`,
    [accountId, address],
  );

export const insertWithdrawal = (
  db: Queryable,
  withdrawalId: string,
  accountId: string,
  amount: number,
  fee: number,
  netAmount: number,
  address: string,
  reviewReasons: string[],
) =>
  db.query(
    `INSERT INTO withdrawals (id, account_id, amount, fee, net_amount, address, status, review_reasons)
           VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7) ON CONFLICT (id) DO NOTHING`,
    [withdrawalId, accountId, amount, fee, netAmount, address, reviewReasons],
  );

export const setWithdrawalStatus = (
  db: Queryable,
  withdrawalId: string,
  status: string,
  reason: string | null,
  decidedBy: string | null,
) =>
  db.query(
    `UPDATE withdrawals SET status = $2, status_reason = $3, decided_by = coalesce($4, decided_by), updated_at = now()
          WHERE id = $1 AND status NOT IN ('confirmed', 'rejected', 'failed')`,
    [withdrawalId, status, reason, decidedBy],
  );

export const insertWithdrawalAttempt = (
  db: Queryable,
  withdrawalId: string,
  attempt: number,
  txid: string,
  signedJson: string,
  expiration: number,
) =>
  db.query(
    `INSERT INTO withdrawal_attempts (withdrawal_id, attempt, txid, signed_tx, expiration)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (withdrawal_id, attempt) DO NOTHING`,
    [withdrawalId, attempt, txid, signedJson, expiration],
  );

export const markAttemptBroadcast = (db: Queryable, withdrawalId: string, attempt: number) =>
  db.query(
    `UPDATE withdrawal_attempts SET first_broadcast_at = coalesce(first_broadcast_at, now())
            WHERE withdrawal_id = $1 AND attempt = $2`,
    [withdrawalId, attempt],
  );

export const confirmWithdrawal = (db: Queryable, withdrawalId: string, blockNumber: number) =>
  db.query(
    `UPDATE withdrawals SET status = 'confirmed', status_reason = NULL, block_number = $2, updated_at = now()
          WHERE id = $1`,
    [withdrawalId, blockNumber],
  );

export const settleWithdrawal = (
  db: Queryable,
  withdrawalId: string,
  status: string,
  reason: string | null,
  decidedBy: string | null,
) =>
  db.query(
    `UPDATE withdrawals SET status = $2, status_reason = $3, decided_by = coalesce($4, decided_by), updated_at = now()
          WHERE id = $1`,
    [withdrawalId, status, reason, decidedBy],
  );
