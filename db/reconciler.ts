/** Reconciler reads: one keyset page of the repairs it made. */
import type { Queryable } from '../domain/db';
import { keyParams, keyTime } from './keyset';

export interface RepairRow {
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
}

/** Newest first by (created_at, id), rows strictly after `after` (`[created_at as key text, id]`), at most `take`. */
export async function repairsPage(
  db: Queryable,
  after: readonly (string | number)[] | null,
  take: number,
): Promise<RepairRow[]> {
  const r = await db.query<RepairRow>(
    `SELECT id, account_id, purpose, subject, amount, owner_workflow_id, owner_state, owner_status, reconciler_run,
            created_at, ${keyTime('created_at')} AS key_time
       FROM reconciler_repairs
      WHERE $1::timestamptz IS NULL OR (created_at, id) < ($1::timestamptz, $2::uuid)
      ORDER BY created_at DESC, id DESC LIMIT $3`,
    [...keyParams(after, 2), take],
  );
  return r.rows;
}
