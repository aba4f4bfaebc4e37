/** The operators' view of what the held-balance reconciler repaired (newest first). */
import { fromMicro } from '../../domain/money';
import type { ApiDeps } from '../deps';
import type { ListRepairsQuery } from '../schemas/reconciler';
import { reconcilerRepairs } from '../../db/reconciler';

export async function listRepairs(deps: ApiDeps, query: ListRepairsQuery) {
  const r = await reconcilerRepairs(deps.db, query.limit);
  return {
    repairs: r.rows.map((x) => ({
      ...x,
      amount: fromMicro(x.amount),
      created_at: x.created_at.toISOString(),
    })),
  };
}
