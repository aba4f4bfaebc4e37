/**
 * Housekeeping, started by Temporal Schedules (worker/schedules.ts): the daily purge of expired
 * `idempotency_keys` rows, which are otherwise never deleted, the hourly sweep of orphaned
 * file blobs, and the completion of open operator-audit entries. One activity does the work
 * in bounded batches; the workflow only gives it timeouts and retries.
 */
import { log, proxyActivities } from '@temporalio/workflow';
import type { createMaintenanceActivities } from '../../activities/maintenance';
import { retryTransient } from '../failures';
import type { PurgeExpiredIdempotencyKeysInput, SweepOrphanFileBlobsInput } from './contract';

const { purgeExpiredIdempotencyKeys, sweepOrphanFileBlobs, completeOpenAudits } = proxyActivities<
  ReturnType<typeof createMaintenanceActivities>
>({
  // Each batch is one short DELETE and heartbeats, so a dead worker is noticed within a minute.
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '1 minute',
  // Deleting what is already gone deletes nothing, so a retry simply carries on.
  retry: retryTransient({ maximumAttempts: 5, initialInterval: '10s', backoffCoefficient: 2 }),
});

export async function purgeExpiredIdempotencyKeysWorkflow(
  input: PurgeExpiredIdempotencyKeysInput = {},
): Promise<{ deleted: number }> {
  const result = await purgeExpiredIdempotencyKeys({ olderThanHours: input.olderThanHours });
  log.info('expired idempotency keys purged', { ...result });
  return result;
}

/** The hourly orphan-blob sweep (issue 24.2): one heartbeating activity lists and deletes. */
export async function sweepOrphanFileBlobsWorkflow(
  input: SweepOrphanFileBlobsInput = {},
): Promise<{ checked: number; swept: number; bytes: number }> {
  const result = await sweepOrphanFileBlobs({ olderThanMinutes: input.olderThanMinutes });
  log.info('orphan file blobs swept', { ...result });
  return result;
}

/** The audit-completion sweep (issue 24.5): one activity, three idempotent statements. */
export async function completeOpenAuditsWorkflow(): Promise<{ markedUnknown: number; completed: number }> {
  const result = await completeOpenAudits();
  log.info('open audit entries completed', { ...result });
  return result;
}
