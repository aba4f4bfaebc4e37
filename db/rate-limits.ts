/**
 * The shared rate-limit counters (table rate_limits, written by rate-limiter-flexible). Only an
 * operator's lift of a lock-out deletes here; the limiters themselves read and write through the
 * library.
 */
import type { Queryable } from './pool';

const likeEscape = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Deletes the counters named exactly and those whose key starts and ends as given; answers how
 * many of them were still counting (not expired), i.e. how many lock-outs or partial budgets were
 * lifted.
 */
export async function deleteCounters(
  db: Queryable,
  c: { keys: string[]; patterns: { startsWith: string; endsWith: string }[] },
  nowMs: number,
): Promise<number> {
  const likes = c.patterns.map((p) => `${likeEscape(p.startsWith)}%${likeEscape(p.endsWith)}`);
  const r = await db.query<{ live: string }>(
    `WITH gone AS (
       DELETE FROM rate_limits
        WHERE key = ANY($1::text[]) OR key LIKE ANY($2::text[])
       RETURNING expire)
     SELECT count(*) FILTER (WHERE expire IS NULL OR expire > $3) AS live FROM gone`,
    [c.keys, likes, nowMs],
  );
  return Number(r.rows[0].live);
}
