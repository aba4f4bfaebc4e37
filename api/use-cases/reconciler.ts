/** The operators' view of what the held-balance reconciler repaired (newest first). */
import { fromMicro } from '../../domain/money';
import type { ApiDeps } from '../deps';
import type { ListRepairsQuery } from '../schemas/reconciler';

export async function listRepairs(deps: ApiDeps, query: ListRepairsQuery) {
  const r = await deps.db.query<{
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
  }>(
    `SELECT id, account_id, purpose, subject, amount, owner_workflow_id, owner_state, owner_status, reconciler_run, created_at
       FROM reconciler_repairs ORDER BY created_at DESC, id LIMIT $1`,
    [query.limit],
  );
  return {
    repairs: r.rows.map((x) => ({
      ...x,
      amount: fromMicro(x.amount),
      created_at: x.created_at.toISOString(),
    })),
  };
}
