/**
 * SQL of the files a seller uploads to a service order (issue 23.1; table in
 * 9850_service_order_files.sql). Quotas are shared with rental files: the same per-owner advisory
 * lock and the same per-owner sum (db/rental-files.ts).
 */
import { OWNER_STORED_BYTES_SQL } from './rental-files';
import { type Db, type Queryable, withTransaction } from './pool';

export interface ServiceOrderFileRow {
  id: string;
  order_id: string;
  uploader_id: string;
  name: string;
  content_type: string;
  size: string;
  sha256: string;
  storage_key: string;
  delivered_at: Date | null;
  created_at: Date;
}

const COLUMNS =
  'id, order_id, uploader_id, name, content_type, size, sha256, storage_key, delivered_at, created_at';

export interface NewServiceOrderFile {
  id: string;
  orderId: string;
  uploaderId: string;
  ownerId: string;
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  storageKey: string;
}

/** The account a seller's bytes are charged to: its owner, or the seller itself when it has none. */
export async function quotaOwnerOf(db: Queryable, accountId: string): Promise<string> {
  const r = await db.query<{ owner: string }>(
    'SELECT coalesce(owner_id, id) AS owner FROM accounts WHERE id = $1',
    [accountId],
  );
  return r.rows[0]?.owner ?? accountId;
}

/** Bytes already stored: for the order, and for everything charged to `ownerId`. */
export async function orderStoredBytes(
  db: Queryable,
  ownerId: string,
  orderId: string,
): Promise<{ account: number; order: number; files: number }> {
  const r = await db.query<{ account: string; order_bytes: string; files: number }>(
    `SELECT ${OWNER_STORED_BYTES_SQL}::text AS account,
            (SELECT coalesce(sum(size), 0) FROM service_order_files WHERE order_id = $2)::text AS order_bytes,
            (SELECT count(*)::int FROM service_order_files WHERE order_id = $2) AS files`,
    [ownerId, orderId],
  );
  const row = r.rows[0];
  return { account: Number(row.account), order: Number(row.order_bytes), files: row.files };
}

export type OrderFileInsert =
  { stored: ServiceOrderFileRow } | { over: 'account' | 'order' } | { tooMany: true };

/**
 * Records a stored file if it fits both quotas, under the same per-owner advisory lock as rental
 * uploads (so racing uploads of either kind never both see room for one).
 */
export async function insertServiceOrderFileWithinQuota(
  db: Db,
  f: NewServiceOrderFile,
  quota: { accountBytes: number; orderBytes: number; maxFiles: number },
): Promise<OrderFileInsert> {
  return withTransaction(db, async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('file-quota:' || $1::text, 0))`, [
      f.ownerId,
    ]);
    const used = await orderStoredBytes(tx, f.ownerId, f.orderId);
    if (used.files >= quota.maxFiles) return { tooMany: true as const };
    if (used.order + f.size > quota.orderBytes) return { over: 'order' as const };
    if (used.account + f.size > quota.accountBytes) return { over: 'account' as const };
    const r = await tx.query<ServiceOrderFileRow>(
      `INSERT INTO service_order_files (id, order_id, uploader_id, owner_id, name, content_type, size, sha256, storage_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
      [f.id, f.orderId, f.uploaderId, f.ownerId, f.name, f.contentType, f.size, f.sha256, f.storageKey],
    );
    return { stored: r.rows[0] };
  });
}

export async function serviceOrderFileById(
  db: Queryable,
  orderId: string,
  id: string,
): Promise<ServiceOrderFileRow | undefined> {
  const r = await db.query<ServiceOrderFileRow>(
    `SELECT ${COLUMNS} FROM service_order_files WHERE id = $1 AND order_id = $2`,
    [id, orderId],
  );
  return r.rows[0];
}

/** An order's files, oldest first; only the delivered ones when `deliveredOnly` (the buyer's view). */
export async function serviceOrderFiles(
  db: Queryable,
  orderId: string,
  deliveredOnly: boolean,
  limit: number,
): Promise<ServiceOrderFileRow[]> {
  const r = await db.query<ServiceOrderFileRow>(
    `SELECT ${COLUMNS} FROM service_order_files
      WHERE order_id = $1 AND (NOT $2::boolean OR delivered_at IS NOT NULL)
      ORDER BY created_at, id LIMIT $3`,
    [orderId, deliveredOnly, limit],
  );
  return r.rows;
}

/** How many of `ids` are files of this order (a delivery may attach only those). */
export async function countOrderFiles(db: Queryable, orderId: string, ids: string[]): Promise<number> {
  const r = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM service_order_files WHERE order_id = $1 AND id = ANY($2::uuid[])',
    [orderId, ids],
  );
  return r.rows[0].n;
}

/**
 * Marks files as delivered (once: a file keeps the time of the first delivery that attached it);
 * answers the ids this call marked, so a refused delivery can take back exactly those.
 */
export async function markOrderFilesDelivered(
  db: Queryable,
  orderId: string,
  ids: string[],
): Promise<string[]> {
  const r = await db.query<{ id: string }>(
    `UPDATE service_order_files SET delivered_at = now()
      WHERE order_id = $1 AND id = ANY($2::uuid[]) AND delivered_at IS NULL RETURNING id`,
    [orderId, ids],
  );
  return r.rows.map((row) => row.id);
}

/** Takes back the marks of a delivery the workflow refused. */
export async function unmarkOrderFilesDelivered(
  db: Queryable,
  orderId: string,
  ids: string[],
): Promise<void> {
  await db.query(
    `UPDATE service_order_files SET delivered_at = NULL WHERE order_id = $1 AND id = ANY($2::uuid[])`,
    [orderId, ids],
  );
}
