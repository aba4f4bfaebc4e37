import type { Queryable } from './pool';

export const reconcilerRepairs = (db: Queryable, limit: number) =>
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
  }>(
    `SELECT id, account_id, purpose, subject, amount, owner_workflow_id, owner_state, owner_status, reconciler_run, created_at
       FROM reconciler_repairs ORDER BY created_at DESC, id LIMIT $1`,
    [limit],
  );
