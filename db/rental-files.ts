/** SQL of a rental's deliverable files (issue 17; table in 8800_rental_files.sql). */
import { keyTime } from './keyset';
import type { Queryable } from './pool';

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
