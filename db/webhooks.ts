/** Webhook delivery log reads: one keyset page of an account's deliveries. */
import type { Queryable } from '../domain/db';

export interface DeliveryFilter {
  event?: string;
  state?: string;
  since?: Date;
  until?: Date;
}

/**
 * Newest first by `seq` (assigned in insertion order), strictly below `beforeSeq` when given, at
 * most `take` rows; `columns` is the caller's select list (it owns the row shape).
 */
export async function deliveriesPage<R extends { seq: number }>(
  db: Queryable,
  columns: string,
  accountId: string,
  filter: DeliveryFilter,
  beforeSeq: number | null,
  take: number,
): Promise<R[]> {
  const r = await db.query<R>(
    `SELECT ${columns} FROM webhook_deliveries
      WHERE account_id = $1
        AND ($2::bigint IS NULL OR seq < $2)
        AND ($3::text IS NULL OR event = $3)
        AND ($4::text IS NULL OR state = $4)
        AND ($5::timestamptz IS NULL OR created_at >= $5)
        AND ($6::timestamptz IS NULL OR created_at < $6)
      ORDER BY seq DESC LIMIT $7`,
    [
      accountId,
      beforeSeq,
      filter.event ?? null,
      filter.state ?? null,
      filter.since?.toISOString() ?? null,
      filter.until?.toISOString() ?? null,
      take,
    ],
  );
  return r.rows;
}
