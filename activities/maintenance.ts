/**
 * Purge of expired `idempotency_keys` rows (REST Idempotency-Key, MCP tools, and the `rentr.relay`
 * claims). The SPEC keeps keys at least 24 h, so a retention below that is refused. A row older
 * than the retention is deleted whatever its state: an `in_flight` one is abandoned after 60 s
 * (api/idempotency-core.ts), so one that old belongs to a request that died long ago.
 */
import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import { ErrorCode } from '../domain/errors';
import type { ActivityDeps } from './deps';
import { cutoffBefore, purgeIdempotencyKeysBefore } from '../db/idempotency';
import { recordSweptBlob, storageKeysInUse } from '../db/rental-files';
import { type AuditCompletion, completeOpenAudits as completeAudits } from '../db/operators';
import { createFileStorage, type FileStorage, type StoredBlob } from '../services/file-storage';

/** The SPEC's floor; IDEMPOTENCY_KEY_RETENTION_HOURS has the same minimum. */
export const MIN_IDEMPOTENCY_KEY_RETENTION_HOURS = 24;
/** Rows per DELETE: short statements and short locks, however large the backlog. */
const PURGE_BATCH_SIZE = 5000;

export interface PurgeExpiredIdempotencyKeysInput {
  /** Unset: the worker's IDEMPOTENCY_KEY_RETENTION_HOURS. */
  olderThanHours?: number;
}

/**
 * A blob is an orphan only when no row names it and it is at least this old: an upload writes its
 * blob and its row within one request, so an hour-old blob with no row was left by a crash (or a
 * refusal whose cleanup failed), never by an upload still in flight.
 */
export const MIN_ORPHAN_AGE_MINUTES = 60;
/** Keys checked per query against rental_files. */
const SWEEP_BATCH_SIZE = 500;

export interface SweepOrphanFileBlobsInput {
  /** Unset: MIN_ORPHAN_AGE_MINUTES; never less. */
  olderThanMinutes?: number;
}

export function createMaintenanceActivities(deps: ActivityDeps, storage?: FileStorage) {
  // Built on first use: a worker whose file store is misconfigured still runs everything else.
  let store = storage;
  const fileStore = () => (store ??= createFileStorage(deps.config));

  async function purgeExpiredIdempotencyKeys(
    input: PurgeExpiredIdempotencyKeysInput,
  ): Promise<{ deleted: number }> {
    const hours = input.olderThanHours ?? deps.config.IDEMPOTENCY_KEY_RETENTION_HOURS;
    if (!Number.isFinite(hours) || hours < MIN_IDEMPOTENCY_KEY_RETENTION_HOURS) {
      throw ApplicationFailure.nonRetryable(
        `idempotency keys are kept at least ${MIN_IDEMPOTENCY_KEY_RETENTION_HOURS} h (asked: ${hours})`,
        ErrorCode.Validation,
      );
    }
    // One cutoff for the whole run, so batches never chase rows that became old meanwhile.
    const cutoff = await cutoffBefore(deps.db, hours * 3600);
    const before = cutoff.rows[0].cutoff;
    let deleted = 0;
    for (;;) {
      // The outer created_at check: a row taken over meanwhile (its created_at reset) is kept.
      const r = await purgeIdempotencyKeysBefore(deps.db, before, PURGE_BATCH_SIZE);
      const batch = r.rowCount ?? 0;
      deleted += batch;
      heartbeat({ deleted });
      // Until a batch finds nothing: a short one may only mean a row was taken over meanwhile.
      if (batch === 0) break;
    }
    deps.logger.info({ deleted, olderThanHours: hours }, 'expired idempotency keys purged');
    return { deleted };
  }

  /**
   * Deletes file-store blobs that no rental_files row references and that are older than the
   * minimum age, recording each in swept_file_blobs before it goes (a crash in between leaves a
   * record and the blob; the next run deletes it and records it again).
   */
  async function sweepOrphanFileBlobs(
    input: SweepOrphanFileBlobsInput,
  ): Promise<{ checked: number; swept: number; bytes: number }> {
    const minutes = input.olderThanMinutes ?? MIN_ORPHAN_AGE_MINUTES;
    if (!Number.isFinite(minutes) || minutes < MIN_ORPHAN_AGE_MINUTES) {
      throw ApplicationFailure.nonRetryable(
        `orphan blobs are swept after at least ${MIN_ORPHAN_AGE_MINUTES} minutes (asked: ${minutes})`,
        ErrorCode.Validation,
      );
    }
    const cutoff = Date.now() - minutes * 60_000;
    let checked = 0;
    let swept = 0;
    let bytes = 0;
    const sweep = async (batch: StoredBlob[]) => {
      if (batch.length === 0) return;
      const inUse = await storageKeysInUse(
        deps.db,
        batch.map((b) => b.key),
      );
      for (const blob of batch) {
        if (inUse.has(blob.key)) continue;
        await recordSweptBlob(deps.db, blob);
        await fileStore().delete(blob.key);
        swept += 1;
        bytes += blob.size;
      }
      heartbeat({ checked, swept });
    };
    let batch: StoredBlob[] = [];
    for await (const blob of fileStore().list()) {
      checked += 1;
      if (blob.lastModified.getTime() > cutoff) continue;
      batch.push(blob);
      if (batch.length >= SWEEP_BATCH_SIZE) {
        await sweep(batch);
        batch = [];
      }
    }
    await sweep(batch);
    deps.logger.info({ checked, swept, bytes, olderThanMinutes: minutes }, 'orphan file blobs swept');
    return { checked, swept, bytes };
  }

  /**
   * Completes the operators' audit without waiting for someone to view it: the same rule the
   * console runs before showing it (db/operators.ts completeOpenAudits).
   */
  async function completeOpenAudits(): Promise<AuditCompletion> {
    const result = await completeAudits(deps.db);
    if (result.markedUnknown + result.completed > 0) {
      deps.logger.info({ ...result }, 'open audit entries completed');
    }
    return result;
  }

  return { purgeExpiredIdempotencyKeys, sweepOrphanFileBlobs, completeOpenAudits };
}
