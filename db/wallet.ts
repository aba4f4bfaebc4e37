/** Wallet reads: the caller's transaction history, one keyset page at a time. */
import type { Queryable } from '../domain/db';

export interface TransactionRow {
  id: string;
  kind: string;
  reference: string | null;
  created_at: Date;
  /** The highest ledger entry id of the journal: entry ids only grow, so it orders the history. */
  seq: number;
  available: number;
  held: number;
}

/**
 * Newest first, one row per journal touching the account's ledger accounts, after `beforeSeq`
 * (exclusive), at most `take` rows. Filtering on the per-journal maximum entry id keeps a journal
 * whole on one page even when concurrent postings interleave their entry ids.
 */
export async function transactionsPage(
  db: Queryable,
  accountId: string,
  beforeSeq: number | null,
  take: number,
): Promise<TransactionRow[]> {
  const r = await db.query<TransactionRow>(
    `SELECT j.id, j.kind, j.reference, j.created_at, s.seq, s.available, s.held
       FROM (SELECT e.journal_id, max(e.id) AS seq,
                    coalesce(sum(e.amount) FILTER (WHERE la.purpose = 'available'), 0)::bigint AS available,
                    coalesce(sum(e.amount) FILTER (WHERE la.purpose <> 'available'), 0)::bigint AS held
               FROM ledger_entries e
               JOIN ledger_accounts la ON la.id = e.ledger_account_id
              WHERE la.owner_id = $1
              GROUP BY e.journal_id
             HAVING $2::bigint IS NULL OR max(e.id) < $2::bigint
              ORDER BY seq DESC
              LIMIT $3) s
       JOIN ledger_journals j ON j.id = s.journal_id
      ORDER BY s.seq DESC`,
    [accountId, beforeSeq, take],
  );
  return r.rows;
}
