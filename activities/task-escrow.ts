/**
 * The task's escrow: the `task-<id>` workflow's first step (the row and its escrow, together),
 * the cancel with refund and the escrow check. Keyed, so a retry (or a re-run local activity
 * after a worker crash) moves nothing twice; a short balance is a non-retryable 402 that ends the
 * workflow with nothing held.
 */
import { ApplicationFailure } from '@temporalio/common';
import { pgErrorCode } from '../db/pool';
import { ErrorCode } from '../domain/errors';
import type { Micro } from '../domain/money';
import { type CancelTaskOutcome, type NewTask, type TaskStatus } from '../domain/task-store';
import { cancelTaskWithRefund, openTaskWithEscrow, taskEscrowState } from '../db/tasks';
import type { ActivityDeps } from './deps';
import { asActivityFailure } from './failures';

/** Constraint violations are the input's fault: retrying them would never end. */
function asNonRetryableConstraint(err: unknown): never {
  const code = pgErrorCode(err);
  if (code?.startsWith('23') && code !== '23514')
    throw ApplicationFailure.nonRetryable(`invalid input (${code})`, ErrorCode.Validation);
  asActivityFailure(err);
}

export function createTaskEscrowActivities({ db }: ActivityDeps) {
  return {
    /** The `task-<id>` workflow's first step: the row and its escrow, together (402 → neither). */
    async openTask(input: NewTask): Promise<void> {
      await openTaskWithEscrow(db, input).catch(asNonRetryableConstraint);
    },

    /** Cancel + refund of the slots not taken, one transaction (see cancelTaskWithRefund). */
    async cancelTaskWithRefund(input: { taskId: string }): Promise<CancelTaskOutcome> {
      return cancelTaskWithRefund(db, input.taskId);
    },

    async taskEscrowState(input: { taskId: string }): Promise<{ status: TaskStatus | null; escrow: Micro }> {
      return taskEscrowState(db, input.taskId);
    },
  };
}
