import { type KeysetAfter, keyParams, keyTime } from './keyset';
import type { Queryable } from './pool';

/**
 * One keyset page of the reconciler's repairs, newest first by (created_at, id): rows strictly
 * after `after` (`[created_at as key text, id]`), at most `take`.
 */
export const reconcilerRepairs = (db: Queryable, after: KeysetAfter, take: number) =>
  db.query<{
    id: string;
    account_id: string;
    purpose: 'held' | 'escrow';
    subject: string;
    amount: number;
    owner_workflow_id: string;
    owner_state: 'missing' | 'closed';
    owner_status: string | null;
    reconciler_run: string | null;
    created_at: Date;
    key_time: string;
  }>(
    `SELECT id, account_id, purpose, subject, amount, owner_workflow_id, owner_state, owner_status, reconciler_run,
            created_at, ${keyTime('created_at')} AS key_time
       FROM reconciler_repairs
      WHERE $1::timestamptz IS NULL OR (created_at, id) < ($1::timestamptz, $2::uuid)
      ORDER BY created_at DESC, id DESC LIMIT $3`,
    [...keyParams(after, 2), take],
  );

export const holdAccountsToCheck = (
  db: Queryable,
  purposes: readonly string[],
  graceSeconds: number,
  afterId: number,
  accountIds: string[] | null,
  limit: number,
) =>
  db.query<{
    id: number;
    owner_id: string;
    purpose: 'held' | 'escrow';
    subject: string;
    balance: number;
    updated_at: Date;
  }>(
    `SELECT id, owner_id, purpose, subject, balance, updated_at FROM ledger_accounts
          WHERE purpose = ANY($1) AND balance <> 0 AND owner_id IS NOT NULL
            AND updated_at < now() - make_interval(mins => $2)
            AND id > $3 AND ($4::uuid[] IS NULL OR owner_id = ANY($4))
          ORDER BY id LIMIT $5`,
    [purposes, graceSeconds, afterId, accountIds, limit],
  );

export const withdrawalAttemptExists = (db: Queryable, withdrawalId: string) =>
  db.query('SELECT 1 FROM withdrawal_attempts WHERE withdrawal_id = $1 LIMIT 1', [withdrawalId]);

export const ledgerAccountBalance = (db: Queryable, ledgerAccountId: number) =>
  db.query<{ balance: number; updated_at: Date }>(
    'SELECT balance, updated_at FROM ledger_accounts WHERE id = $1',
    [ledgerAccountId],
  );

export const reconcilerRepairExists = (db: Queryable, idempotencyKey: string) =>
  db.query('SELECT 1 FROM reconciler_repairs WHERE idempotency_key = $1', [idempotencyKey]);

export const insertReconcilerRepair = (
  db: Queryable,
  journalId: string,
  idempotencyKey: string,
  ledgerAccountId: number,
  accountId: string,
  purpose: string,
  subject: string,
  amount: number,
  ownerWorkflowId: string,
  ownerState: string,
  ownerStatus: string | null,
  reconcilerRun: string | null,
) =>
  db.query(
    `INSERT INTO reconciler_repairs (id, idempotency_key, ledger_account_id, account_id, purpose, subject, amount,
                                           owner_workflow_id, owner_state, owner_status, reconciler_run)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      journalId,
      idempotencyKey,
      ledgerAccountId,
      accountId,
      purpose,
      subject,
      amount,
      ownerWorkflowId,
      ownerState,
      ownerStatus,
      reconcilerRun,
    ],
  );
