/**
 * Types shared by the contract modules (`workflows/<context>/contract.ts`); type-only, so a
 * contract stays importable inside the workflow sandbox and by clients alike.
 */
import type { ScheduleOptionsStartWorkflowAction, WorkflowStartOptions } from '@temporalio/client';
import type { Workflow, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';

/** What a contract's start-options builder returns: complete options, both id policies spelled out. */
export type StartOptions<W extends Workflow> = WorkflowStartOptions<W> & {
  workflowIdConflictPolicy: WorkflowIdConflictPolicy;
  workflowIdReusePolicy: WorkflowIdReusePolicy;
};

/**
 * Start options of a workflow a Temporal Schedule starts (the schedule owns overlaps and appends
 * the scheduled time to the id): usable as the schedule's action and for a direct start alike.
 */
export type ScheduledStartOptions<W extends Workflow> = Omit<
  ScheduleOptionsStartWorkflowAction<W>,
  'type' | 'workflowType' | 'workflowId'
> & { workflowId: string };
