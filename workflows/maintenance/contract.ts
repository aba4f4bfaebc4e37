/**
 * The contract of housekeeping: the `idempotency-key-purge` Temporal Schedule starts the daily
 * purge of expired idempotency keys (worker/schedules.ts). Importable by workflow code and clients.
 *
 * Task queue: the platform's one queue (TEMPORAL_TASK_QUEUE), passed in by the starter.
 */
import { SA } from '../../domain/search-attributes';
import type { ScheduledStartOptions } from '../contract-types';

/**
 * The workflow type registered with Temporal: the name its module exports (checked here), never
 * renamed (recorded histories name it).
 */
export const IDEMPOTENCY_KEY_PURGE_WORKFLOW_TYPE = 'purgeExpiredIdempotencyKeysWorkflow';
/** The workflow function's type (checked against `workflow.ts` in workflows/contract-checks.ts). */
export type PurgeExpiredIdempotencyKeysWorkflow = (
  input?: PurgeExpiredIdempotencyKeysInput,
) => Promise<{ deleted: number }>;

export const IDEMPOTENCY_KEY_PURGE_SCHEDULE_ID = 'idempotency-key-purge';
export const IDEMPOTENCY_KEY_PURGE_INTERVAL = '1 day' as const;

export interface PurgeExpiredIdempotencyKeysInput {
  /** Unset (the schedule): the worker's IDEMPOTENCY_KEY_RETENTION_HOURS, read when the run starts. */
  olderThanHours?: number;
}

/** Options of every purge run: the schedule's action (id = the schedule id) and any direct start. */
export function idempotencyKeyPurgeStartOptions(
  workflowId: string,
  taskQueue: string,
  // No retention by default: the worker's IDEMPOTENCY_KEY_RETENTION_HOURS applies when a run starts.
  input: PurgeExpiredIdempotencyKeysInput = {},
): ScheduledStartOptions<PurgeExpiredIdempotencyKeysWorkflow> {
  return {
    workflowId,
    taskQueue,
    args: [input],
    workflowExecutionTimeout: '2 hours',
    typedSearchAttributes: [{ key: SA.WorkflowKind, value: 'maintenance' }],
    staticSummary: 'Daily purge of expired idempotency keys',
    memo: {
      summary: 'Daily purge of idempotency keys older than IDEMPOTENCY_KEY_RETENTION_HOURS (≥ 24 h)',
    },
  };
}
