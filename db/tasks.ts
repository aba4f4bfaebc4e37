/** Task reads: one keyset page of the open tasks a search finds. */
import type { Queryable } from '../domain/db';
import { TASK_COLUMNS, type TaskRow } from '../domain/task-store';
import { keyParams, keyTime } from './keyset';

export interface TaskSearch {
  category?: string;
  minReward: number;
  /** An ILIKE pattern for title or description. */
  pattern: string | null;
}

/**
 * Open tasks with at least one free slot, newest first by (created_at, id), rows strictly after
 * `after` (`[created_at as key text, id]`), at most `take`.
 */
export async function openTasksPage(
  db: Queryable,
  search: TaskSearch,
  after: readonly (string | number)[] | null,
  take: number,
): Promise<(TaskRow & { key_time: string })[]> {
  const r = await db.query<TaskRow & { key_time: string }>(
    `SELECT x.*, ${keyTime('x.created_at')} AS key_time
       FROM (SELECT ${TASK_COLUMNS} FROM tasks t WHERE t.status = 'open'
                      AND ($1::text IS NULL OR t.category = $1)
                      AND t.reward >= $2
                      AND ($3::text IS NULL OR t.title ILIKE $3 OR t.description ILIKE $3)
                      AND ($4::timestamptz IS NULL OR (t.created_at, t.id) < ($4::timestamptz, $5::uuid))) x
      WHERE x.slots_taken < x.slots
      ORDER BY x.created_at DESC, x.id DESC LIMIT $6`,
    [search.category ?? null, search.minReward, search.pattern, ...keyParams(after, 2), take],
  );
  return r.rows;
}
