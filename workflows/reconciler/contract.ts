/**
 * The contract of the held-money reconciler: the `held-balance-reconciler` Temporal Schedule starts
 * one run every 10 minutes (worker/schedules.ts). Importable by workflow code and clients alike.
 *
 * Task queue: the platform's one queue (TEMPORAL_TASK_QUEUE), passed in by the starter.
 */
import { SA } from '../../domain/search-attributes';
import type { ScheduledStartOptions } from '../contract-types';

/**
 * The workflow type registered with Temporal: the name its module exports (checked here), never
 * renamed (recorded histories name it).
 */
export const RECONCILER_WORKFLOW_TYPE = 'reconcilerWorkflow';
/** The workflow function's type (checked against `workflow.ts` in workflows/contract-checks.ts). */
export type ReconcilerWorkflow = (input?: ReconcilerInput) => Promise<ReconcilerTotals>;

export const RECONCILER_SCHEDULE_ID = 'held-balance-reconciler';
export const RECONCILER_INTERVAL = '10 minutes' as const;

export interface ReconcilerInput {
  /** Unset: the worker's RECONCILER_GRACE_MINUTES. */
  graceMinutes?: number;
  /** Only these accounts (an operator repairing one account; tests). */
  accountIds?: string[];
  /** Carried across continue-as-new. */
  afterLedgerAccountId?: number;
  totals?: ReconcilerTotals;
}

export interface ReconcilerTotals {
  scanned: number;
  repaired: number;
  needsOperator: number;
}

/** Options of every reconciler run: the schedule's action (id = the schedule id) and any direct start. */
export function reconcilerStartOptions(
  workflowId: string,
  taskQueue: string,
  // No grace by default: the worker's RECONCILER_GRACE_MINUTES applies when a run starts.
  input: ReconcilerInput = {},
): ScheduledStartOptions<ReconcilerWorkflow> {
  return {
    workflowId,
    taskQueue,
    args: [input],
    workflowExecutionTimeout: '1 hour',
    typedSearchAttributes: [{ key: SA.WorkflowKind, value: 'reconciler' }],
    staticSummary: 'Reconciler: held or escrow money whose owner workflow is closed or missing',
    memo: {
      summary:
        'Held/escrow balances whose owner workflow is closed or missing go back to available (reconciler_repairs)',
    },
  };
}
