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

/** The hourly sweep of file-store blobs no rental_files row references (issue 24.2). */
export const ORPHAN_BLOB_SWEEP_WORKFLOW_TYPE = 'sweepOrphanFileBlobsWorkflow';
export type SweepOrphanFileBlobsWorkflow = (
  input?: SweepOrphanFileBlobsInput,
) => Promise<{ checked: number; swept: number; bytes: number }>;

export const ORPHAN_BLOB_SWEEP_SCHEDULE_ID = 'orphan-file-blob-sweep';
export const ORPHAN_BLOB_SWEEP_INTERVAL = '1 hour' as const;

export interface SweepOrphanFileBlobsInput {
  /** Unset (the schedule): 60 minutes, the least the activity accepts. */
  olderThanMinutes?: number;
}

/** Options of every sweep run: the schedule's action (id = the schedule id) and any direct start. */
export function orphanBlobSweepStartOptions(
  workflowId: string,
  taskQueue: string,
  input: SweepOrphanFileBlobsInput = {},
): ScheduledStartOptions<SweepOrphanFileBlobsWorkflow> {
  return {
    workflowId,
    taskQueue,
    args: [input],
    workflowExecutionTimeout: '2 hours',
    typedSearchAttributes: [{ key: SA.WorkflowKind, value: 'maintenance' }],
    staticSummary: 'Hourly sweep of orphaned file blobs',
    memo: {
      summary:
        'Deletes file-store blobs with no rental_files row, older than an hour (recorded in swept_file_blobs)',
    },
  };
}

/**
 * The sweep that completes the operators' audit without anyone viewing it (issue 24.5): entries
 * left pending by a request that stopped, and `unknown` ones whose subject now shows the outcome.
 */
export const AUDIT_COMPLETION_WORKFLOW_TYPE = 'completeOpenAuditsWorkflow';
export type CompleteOpenAuditsWorkflow = () => Promise<{ markedUnknown: number; completed: number }>;

export const AUDIT_COMPLETION_SCHEDULE_ID = 'admin-audit-completion';
export const AUDIT_COMPLETION_INTERVAL = '5 minutes' as const;

/** Options of every completion run: the schedule's action (id = the schedule id) and any direct start. */
export function auditCompletionStartOptions(
  workflowId: string,
  taskQueue: string,
): ScheduledStartOptions<CompleteOpenAuditsWorkflow> {
  return {
    workflowId,
    taskQueue,
    args: [],
    workflowExecutionTimeout: '30 minutes',
    typedSearchAttributes: [{ key: SA.WorkflowKind, value: 'maintenance' }],
    staticSummary: 'Completion of open operator-audit entries',
    memo: {
      summary:
        'Marks audit entries pending for over a minute unknown, and completes unknown ones from their subject',
    },
  };
}
