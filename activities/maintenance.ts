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

/** The SPEC's floor; IDEMPOTENCY_KEY_RETENTION_HOURS has the same minimum. */
export const MIN_IDEMPOTENCY_KEY_RETENTION_HOURS = 24;
/** Rows per DELETE: short statements and short locks, however large the backlog. */
const PURGE_BATCH_SIZE = 5000;

export interface PurgeExpiredIdempotencyKeysInput {
  /** Unset: the worker's IDEMPOTENCY_KEY_RETENTION_HOURS. */
  olderThanHours?: number;
}

export function createMaintenanceActivities(deps: ActivityDeps) {
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

  return { purgeExpiredIdempotencyKeys };
}
