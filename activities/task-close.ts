/**
 * `task_completed` when a task closes having paid at least one slot (issue 15): every slot paid,
 * or cancelled early with some approved. Keyed `task:<id>:completed`, the key task-review uses for
 * the all-paid case, so the creator gets one event whichever workflow gets there first.
 */
import { ApplicationFailure } from '@temporalio/common';
import { AppError } from '../domain/errors';
import { findTask } from '../db/tasks';
import { enqueueDelivery } from '../services/webhook-enqueue';
import type { ActivityDeps } from './deps';

export const taskCompletedEventKey = (taskId: string) => `task:${taskId}:completed`;

export function createTaskCloseActivities(deps: ActivityDeps) {
  return {
    /** true when a `task_completed` was enqueued (or had been), false when nothing was paid. */
    async announceTaskClosed(input: { taskId: string }): Promise<boolean> {
      const task = await findTask(deps.db, input.taskId);
      if (!task || task.slots_filled < 1) return false;
      const at = task.completed_at ?? task.cancelled_at ?? task.expired_at ?? new Date();
      await enqueueDelivery(deps, {
        eventKey: taskCompletedEventKey(task.id),
        accountId: task.creator_id,
        policy: 'task-events',
        event: 'task_completed',
        subject: `task:${task.id}`,
        payload: {
          event: 'task_completed',
          task_id: task.id,
          slots_filled: task.slots_filled,
          slots_total: task.slots,
          completed_at: at.toISOString(),
        },
      }).catch((err: unknown) => {
        if (err instanceof AppError) throw ApplicationFailure.nonRetryable(err.message, err.code);
        throw err;
      });
      return true;
    },
  };
}
