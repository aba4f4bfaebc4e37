/**
 * Deliverable files of a rental (issue 17): upload (streamed: parsed by busboy, hashed and counted
 * on the way, written to the file store; never held whole in memory), list and download.
 *
 * Order of an upload: permission, window and a first quota look first (nothing is read from a
 * refused request), then the bytes to storage (cut at the room left), then the row under the
 * owner's quota lock (issue 24.2: over quota, the blob goes again), then the renter is told. A crash between storing and the row
 * leaves an orphan blob, never a row pointing at nothing; a crash between the row and the
 * notification loses that notification unless the client retries with its Idempotency-Key (the
 * replay re-sends it; its id is deterministic, so never twice).
 */
import busboy from 'busboy';
import { createHash, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type { Request, Response } from 'express';
import { deliverRentalEvent } from '../../services/rental-events';
import {
  insertRentalFileWithinQuota,
  type RentalFileRow,
  rentalFileById,
  rentalFilesPage,
  storedBytes,
} from '../../db/rental-files';
import { appError, refuseIf } from '../../domain/errors';
import { deterministicUuid } from '../../domain/ids';
import { afterKey, toPage } from '../../domain/pagination';
import {
  contentDisposition,
  mayUploadRentalFile,
  mayViewRentalFiles,
  safeContentType,
  safeFileName,
} from '../../domain/rental-files';
import { rentalEventPayload, rentalSubject } from '../../domain/rental-events';
import type { RentalParties } from '../../domain/rental-permissions';
import type { RentalRow } from '../../domain/rental-store';
import { rentalById } from '../../db/rentals';
import type { Principal } from '../auth';
import { mayCreate } from '../deadline';
import type { ApiDeps } from '../deps';
import type { FileStorage } from '../../services/file-storage';
import { optionalIdempotencyKeyOf } from '../idempotency';

export const fileJson = (f: RentalFileRow) => ({
  id: f.id,
  rental_id: f.rental_id,
  uploader_id: f.uploader_id,
  name: f.name,
  size: Number(f.size),
  content_type: f.content_type,
  sha256: f.sha256,
  created_at: f.created_at.toISOString(),
});
export type RentalFileJson = ReturnType<typeof fileJson>;

const partiesOf = (r: RentalRow): RentalParties => ({
  renterId: r.renter_id,
  agentId: r.agent_id,
  ownerId: r.owner_id,
});

/** The rental if the caller may see its files; otherwise 404 (others' ids reveal nothing). */
async function rentalForFiles(deps: ApiDeps, principal: Principal, rentalId: string): Promise<RentalRow> {
  const row = await rentalById(deps.db, rentalId);
  if (!row) throw appError('rental_not_found');
  refuseIf(mayViewRentalFiles(partiesOf(row), principal.accountId));
  return row;
}

class FileTooLarge extends Error {}

interface StoredUpload {
  name: string;
  contentType: string;
  size: number;
  sha256: string;
}

/**
 * Parses the multipart body and streams its `file` part into `storage` under `key`, hashing and
 * counting on the way. Resolves once the whole request is read; on any failure nothing is left
 * stored. Other parts are drained and ignored.
 */
export function streamUpload(
  req: Request,
  storage: FileStorage,
  key: string,
  maxBytes: number,
  overLimitError: () => Error = () => appError('file_too_large'),
): Promise<StoredUpload> {
  return new Promise<StoredUpload>((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        // Browsers and fetch send a non-ASCII filename as raw UTF-8 (busboy assumes latin1).
        defParamCharset: 'utf8',
        // busboy reports its limit on reaching it, so one byte more: a file of exactly maxBytes fits.
        limits: { files: 1, fileSize: maxBytes + 1, fields: 20, fieldSize: 4096, parts: 40 },
      });
    } catch {
      // Not multipart/form-data, or no boundary.
      reject(appError('file_missing'));
      return;
    }
    let stored: Promise<StoredUpload> | undefined;
    let parseError: Error | undefined;
    let counter: Transform | undefined;
    // Known here, not from the store's error: an S3 upload reports its own abort instead.
    let overLimit = false;

    parser.on('file', (field, file, info) => {
      if (field !== 'file' || stored) {
        file.resume();
        return;
      }
      const hash = createHash('sha256');
      let size = 0;
      const tooLarge = new FileTooLarge();
      const count = new Transform({
        transform(chunk: Buffer, _enc, done) {
          size += chunk.length;
          if (size > maxBytes) {
            overLimit = true;
            return done(tooLarge);
          }
          hash.update(chunk);
          done(null, chunk);
        },
      });
      counter = count;
      // busboy stops at the limit and says so; the file is then refused, not kept truncated.
      file.on('limit', () => {
        overLimit = true;
        count.destroy(tooLarge);
      });
      // Whatever fails, keep reading the request so busboy reaches its end (bytes are discarded).
      count.on('error', () => {
        file.unpipe(count);
        file.resume();
      });
      file.pipe(count);
      const contentType = safeContentType(info.mimeType);
      stored = storage.put(key, count, contentType).then(() => ({
        name: safeFileName(info.filename),
        contentType,
        size,
        sha256: hash.digest('hex'),
      }));
      // Settled below; this keeps an early rejection from being reported as unhandled.
      stored.catch(() => undefined);
    });
    parser.on('error', (err: Error) => {
      parseError = err;
      counter?.destroy(err);
      req.unpipe(parser);
      req.resume();
      finish();
    });
    parser.on('close', () => finish());
    req.on('aborted', () => counter?.destroy(new Error('request aborted')));

    let finished = false;
    function finish() {
      if (finished) return;
      finished = true;
      if (!stored) return reject(parseError ? appError('unreadable_body') : appError('file_missing'));
      stored.then(resolve, (err: unknown) => {
        if (overLimit) return reject(overLimitError());
        if (parseError) return reject(appError('unreadable_body'));
        reject(err);
      });
    }
    req.pipe(parser);
  });
}

export async function uploadRentalFile(
  deps: ApiDeps,
  storage: FileStorage,
  principal: Principal,
  rentalId: string,
  req: Request,
  nowMs = Date.now(),
): Promise<RentalFileJson> {
  const rental = await rentalForFiles(deps, principal, rentalId);
  const endedAt = rental.ended_at ?? (rental.status === 'ended' ? rental.ends_at : null);
  refuseIf(
    mayUploadRentalFile(
      partiesOf(rental),
      principal.accountId,
      { endedAtMs: endedAt?.getTime() ?? null },
      nowMs,
      deps.config.RENTAL_FILE_WINDOW_DAYS,
    ),
  );
  const key = optionalIdempotencyKeyOf(req);
  const id = key ? deterministicUuid(principal.accountId, 'rentals.files', rentalId, key) : randomUUID();
  // A fresh blob per attempt: a replayed key never overwrites the bytes its first upload stored.
  const storageKey = randomUUID();
  mayCreate({ file_id: id });
  const quota = quotaOf(deps, rental);
  const replay = key !== undefined && (await rentalFileById(deps.db, id)) !== undefined;
  // A first look, unlocked: an owner already at a quota is refused before a byte is read, and the
  // stream stops at what is left, so an over-quota upload is never stored whole.
  const used = await storedBytes(deps.db, quota.ownerId, rentalId);
  const room = replay
    ? deps.config.RENTAL_FILE_MAX_BYTES
    : Math.min(quota.rentalBytes - used.rental, quota.accountBytes - used.account);
  if (room <= 0) throw quotaError(deps, quota.rentalBytes - used.rental <= 0 ? 'rental' : 'account');
  const maxBytes = Math.min(deps.config.RENTAL_FILE_MAX_BYTES, room);
  const overLimit = () =>
    maxBytes < deps.config.RENTAL_FILE_MAX_BYTES
      ? quotaError(deps, quota.rentalBytes - used.rental === room ? 'rental' : 'account')
      : appError('file_too_large');
  const upload = await streamUpload(req, storage, storageKey, maxBytes, overLimit);
  const file = {
    id,
    rentalId,
    uploaderId: principal.accountId,
    name: upload.name,
    contentType: upload.contentType,
    size: upload.size,
    sha256: upload.sha256,
    storageKey,
    idempotent: Boolean(key),
  };
  // The decisive check, under the owner's lock (db/rental-files.ts): whatever fails here, the
  // blob just stored goes, so an upload refused leaves neither a row nor bytes behind.
  const outcome = await insertRentalFileWithinQuota(deps.db, file, quota).catch(async (err: unknown) => {
    await storage.delete(storageKey).catch(() => undefined);
    throw err;
  });
  if ('over' in outcome) {
    await storage.delete(storageKey).catch(() => undefined);
    throw quotaError(deps, outcome.over);
  }
  let row: RentalFileRow;
  if ('stored' in outcome) {
    row = outcome.stored;
  } else {
    // The key was used before: the same upload answers as the first time, another one is 422.
    await storage.delete(storageKey).catch(() => undefined);
    const first = (await rentalFileById(deps.db, id))!;
    const same =
      first.rental_id === rentalId &&
      first.sha256 === upload.sha256 &&
      first.name === upload.name &&
      first.content_type === upload.contentType;
    if (!same) throw appError('idempotency_mismatch');
    row = first;
  }
  await notifyRenter(deps, rental, row);
  return fileJson(row);
}

/**
 * Whose bytes an upload is charged to: the rental's earning account (the bot's owner, or the bot
 * when it has none), so a person's bots share one account quota however many there are.
 */
const quotaOf = (deps: ApiDeps, rental: RentalRow) => ({
  ownerId: rental.owner_id,
  accountBytes: deps.config.FILE_QUOTA_ACCOUNT_BYTES,
  rentalBytes: deps.config.FILE_QUOTA_RENTAL_BYTES,
});

function quotaError(deps: ApiDeps, which: 'account' | 'rental') {
  return appError(
    'storage_quota_exceeded',
    which === 'rental'
      ? `a rental's files may total ${deps.config.FILE_QUOTA_RENTAL_BYTES} bytes (FILE_QUOTA_RENTAL_BYTES)`
      : `the files of one bot owner's rentals may total ${deps.config.FILE_QUOTA_ACCOUNT_BYTES} bytes (FILE_QUOTA_ACCOUNT_BYTES)`,
  );
}

/** `rental_file` to the renter, routed like every rental event (webhook or notification). */
async function notifyRenter(deps: ApiDeps, rental: RentalRow, file: RentalFileRow): Promise<void> {
  const eventId = deterministicUuid('rental-file-event', file.id);
  const payload = rentalEventPayload({
    event: 'rental_file',
    eventId,
    botId: rental.renter_id,
    rentalId: rental.id,
    title: `New file from ${rental.agent_name ?? 'your agent'}`,
    body: `${file.name} (${Number(file.size)} bytes)`,
    details: {
      file_id: file.id,
      name: file.name,
      size: Number(file.size),
      content_type: file.content_type,
      sha256: file.sha256,
      uploader_id: file.uploader_id,
      download_url: `/api/files/${file.id}`,
    },
    at: file.created_at.toISOString(),
  });
  await deliverRentalEvent(deps, {
    eventKey: `rental:${rental.id}:file:${file.id}`,
    accountId: rental.renter_id,
    policy: 'agent-events',
    event: 'rental_file',
    subject: rentalSubject(rental.id),
    payload,
    notifyIfPolling: true,
  });
}

export async function listRentalFiles(
  deps: ApiDeps,
  principal: Principal,
  rentalId: string,
  query: { limit: number; cursor?: string },
): Promise<{ files: RentalFileJson[]; next_cursor: string | null; has_more: boolean }> {
  await rentalForFiles(deps, principal, rentalId);
  const after = afterKey('rental-files', ['time', 'uuid'], query.cursor);
  const rows = await rentalFilesPage(
    deps.db,
    rentalId,
    query.limit + 1,
    after ? { createdAt: String(after[0]), id: String(after[1]) } : undefined,
  );
  const page = toPage(rows, query.limit, 'rental-files', (f) => [f.position, f.id]);
  return {
    files: page.items.map(fileJson),
    next_cursor: page.next_cursor,
    has_more: page.has_more,
  };
}

/** Sends the file's exact bytes as an attachment; 404 to anyone but the rental's participants. */
export async function downloadRentalFile(
  deps: ApiDeps,
  storage: FileStorage,
  principal: Principal,
  fileId: string,
  res: Response,
): Promise<void> {
  const file = await rentalFileById(deps.db, fileId);
  if (!file) throw appError('file_not_found');
  const rental = await rentalById(deps.db, file.rental_id);
  if (!rental || mayViewRentalFiles(partiesOf(rental), principal.accountId)) throw appError('file_not_found');
  await sendStoredFile(storage, file, res);
}

/** A stored file's exact bytes as an attachment (rental and service-order files alike). */
export async function sendStoredFile(
  storage: FileStorage,
  file: { storage_key: string; content_type: string; size: number | string; name: string; sha256: string },
  res: Response,
): Promise<void> {
  const body: Readable = await storage.get(file.storage_key);
  res.status(200);
  res.setHeader('Content-Type', file.content_type);
  res.setHeader('Content-Length', String(file.size));
  res.setHeader('Content-Disposition', contentDisposition(file.name));
  res.setHeader('ETag', `"${file.sha256}"`);
  res.setHeader('Cache-Control', 'private, no-store');
  await pipeline(body, res);
}
