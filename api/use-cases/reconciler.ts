/** The operators' view of what the held-balance reconciler repaired (newest first). */
import { fromMicro } from '../../domain/money';
import { afterKey, toPage } from '../../domain/pagination';
import type { ApiDeps } from '../deps';
import type { ListRepairsQuery } from '../schemas/reconciler';
import { reconcilerRepairs } from '../../db/reconciler';

export async function listRepairs(deps: ApiDeps, query: ListRepairsQuery) {
  const after = afterKey('repairs', ['time', 'uuid'], query.cursor);
  const r = await reconcilerRepairs(deps.db, after, query.limit + 1);
  const page = toPage(r.rows, query.limit, 'repairs', (x) => [x.key_time, x.id]);
  return {
    repairs: page.items.map(({ key_time: _key, ...x }) => ({
      ...x,
      amount: fromMicro(x.amount),
      created_at: x.created_at.toISOString(),
    })),
    next_cursor: page.next_cursor,
    has_more: page.has_more,
  };
}
