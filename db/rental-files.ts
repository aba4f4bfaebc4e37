/** SQL of a rental's deliverable files (issue 17; table in 8800_rental_files.sql). */
import { keyTime } from './keyset';
import { type Db, type Queryable, withTransaction } from './pool';

export interface RentalFileRow {
  id: string;
  rental_id: string;
  uploader_id: string;
  name: string;
  content_type: string;
  size: string;
  sha256: string;
  storage_key: string;
  created_at: Date;
}

/** The columns of RentalFileRow. */
const RENTAL_FILE_COLUMNS =
  'id, rental_id, uploader_id, name, content_type, size, sha256, storage_key, created_at';

export interface NewRentalFile {
  id: string;
  rentalId: string;
  uploaderId: string;
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  storageKey: string;
  idempotent: boolean;
}

/**
 * Bytes charged to `ownerId` (SQL, parameter $1): its rentals' files and its service orders' files
 * (db/service-order-files.ts), so one quota covers both.
 */
export const OWNER_STORED_BYTES_SQL = `(
  (SELECT coalesce(sum(f.size), 0) FROM rentals r JOIN rental_files f ON f.rental_id = r.id WHERE r.owner_id = $1)
  + (SELECT coalesce(sum(s.size), 0) FROM service_order_files s WHERE s.owner_id = $1))`;

/** Bytes already stored: for the rental, and for everything charged to its earning account `ownerId`. */
export async function storedBytes(
  db: Queryable,
  ownerId: string,
  rentalId: string,
): Promise<{ account: number; rental: number }> {
  const r = await db.query<{ account: string; rental: string }>(
    `SELECT ${OWNER_STORED_BYTES_SQL}::text AS account,
            (SELECT coalesce(sum(size), 0) FROM rental_files WHERE rental_id = $2)::text AS rental`,
    [ownerId, rentalId],
  );
  return { account: Number(r.rows[0].account), rental: Number(r.rows[0].rental) };
}

export interface FileQuota {
  /** The rental's earning account (the bot's owner, or the bot itself): whose bytes are summed. */
  ownerId: string;
  accountBytes: number;
  rentalBytes: number;
}

export type QuotaInsert =
  | { stored: RentalFileRow }
  | { replayed: true }
  | { over: 'account' | 'rental'; used: { account: number; rental: number } };

/**
 * Records a stored file if it fits both quotas, atomically across API processes: the per-owner
 * advisory lock serializes every upload charged to that owner (and so to each of its rentals), and
 * the sums are read under it, so two uploads can never both see room for one. A row with this id
 * already (a replayed Idempotency-Key) is `replayed`, charged nothing.
 */
export async function insertRentalFileWithinQuota(
  db: Db,
  f: NewRentalFile,
  quota: FileQuota,
): Promise<QuotaInsert> {
  return withTransaction(db, async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('file-quota:' || $1::text, 0))`, [
      quota.ownerId,
    ]);
    const existing = await tx.query('SELECT 1 FROM rental_files WHERE id = $1', [f.id]);
    if (existing.rows.length > 0) return { replayed: true as const };
    const used = await storedBytes(tx, quota.ownerId, f.rentalId);
    if (used.rental + f.size > quota.rentalBytes) return { over: 'rental' as const, used };
    if (used.account + f.size > quota.accountBytes) return { over: 'account' as const, used };
    const row = await insertRentalFile(tx, f);
    // Under the lock and after the check above, the id is still free.
    return row ? { stored: row } : { replayed: true as const };
  });
}

/**
 * Which of `keys` some rental_files or service_order_files row references (the rest are orphans to
 * the sweeper).
 */
export async function storageKeysInUse(db: Queryable, keys: string[]): Promise<Set<string>> {
  const r = await db.query<{ storage_key: string }>(
    `SELECT storage_key FROM rental_files WHERE storage_key = ANY($1::text[])
     UNION SELECT storage_key FROM service_order_files WHERE storage_key = ANY($1::text[])`,
    [keys],
  );
  return new Set(r.rows.map((row) => row.storage_key));
}

/** Records one blob the sweeper deleted. */
export async function recordSweptBlob(
  db: Queryable,
  blob: { key: string; size: number; lastModified: Date },
): Promise<void> {
  await db.query('INSERT INTO swept_file_blobs (storage_key, size, last_modified) VALUES ($1, $2, $3)', [
    blob.key,
    blob.size,
    blob.lastModified,
  ]);
}

/** Records a stored file once; undefined when a row with this id exists already (a replayed key). */
export async function insertRentalFile(db: Queryable, f: NewRentalFile): Promise<RentalFileRow | undefined> {
  const r = await db.query<RentalFileRow>(
    `INSERT INTO rental_files (id, rental_id, uploader_id, name, content_type, size, sha256, storage_key, idempotent)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (id) DO NOTHING
     RETURNING ${RENTAL_FILE_COLUMNS}`,
    [f.id, f.rentalId, f.uploaderId, f.name, f.contentType, f.size, f.sha256, f.storageKey, f.idempotent],
  );
  return r.rows[0];
}

export async function rentalFileById(db: Queryable, id: string): Promise<RentalFileRow | undefined> {
  const r = await db.query<RentalFileRow>(`SELECT ${RENTAL_FILE_COLUMNS} FROM rental_files WHERE id = $1`, [
    id,
  ]);
  return r.rows[0];
}

/** One page of a rental's files, oldest first, after the keyset position `after`. */
export async function rentalFilesPage(
  db: Queryable,
  rentalId: string,
  limit: number,
  after?: { createdAt: string; id: string },
): Promise<(RentalFileRow & { position: string })[]> {
  // `position` is created_at as key text (db/keyset.ts): microseconds survive the round trip through a cursor.
  const r = await db.query<RentalFileRow & { position: string }>(
    `SELECT ${RENTAL_FILE_COLUMNS}, ${keyTime('created_at')} AS position FROM rental_files
      WHERE rental_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) > ($2::timestamptz, $3::uuid))
      ORDER BY created_at, id LIMIT $4`,
    [rentalId, after?.createdAt ?? null, after?.id ?? null, limit],
  );
  return r.rows;
}
