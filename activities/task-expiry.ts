/**
 * Task expiry (issue 17.4), run by the `task-<id>` workflow's timer at `expires_at`: the status
 * change with the refund of the open slots (one transaction, db/task-expiry.ts), then the
 * creator's `task_expired` event, keyed `task:<id>:expired` so a retry enqueues it once.
 */
import { ApplicationFailure } from '@temporalio/common';
import { expireTaskWithRefund, type ExpireTaskOutcome } from '../db/task-expiry';
import { AppError } from '../domain/errors';
import { fromMicro, type Micro } from '../domain/money';
import { findTask } from '../db/tasks';
import { enqueueDelivery } from '../services/webhook-enqueue';
import type { ActivityDeps } from './deps';

export const taskExpiredEventKey = (taskId: string) => `task:${taskId}:expired`;

export function createTaskExpiryActivities(deps: ActivityDeps) {
  return {
    /** Expire + refund of the slots not taken, one transaction (see expireTaskWithRefund). */
    async expireTaskWithRefund(input: { taskId: string }): Promise<ExpireTaskOutcome> {
      return expireTaskWithRefund(deps.db, input.taskId);
    },

    /** Enqueues `task_expired` to the creator (webhook; skipped without an endpoint). */
    async announceTaskExpired(input: { taskId: string; refunded: Micro }): Promise<void> {
      const task = await findTask(deps.db, input.taskId);
      if (!task || task.status !== 'expired') return;
      await enqueueDelivery(deps, {
        eventKey: taskExpiredEventKey(task.id),
        accountId: task.creator_id,
        policy: 'task-events',
        event: 'task_expired',
        subject: `task:${task.id}`,
        payload: {
          event: 'task_expired',
          task_id: task.id,
          slots_filled: task.slots_filled,
          slots_total: task.slots,
          refunded_usd: fromMicro(input.refunded),
          expires_at: (task.expires_at ?? task.expired_at ?? new Date()).toISOString(),
          expired_at: (task.expired_at ?? new Date()).toISOString(),
        },
      }).catch((err: unknown) => {
        if (err instanceof AppError) throw ApplicationFailure.nonRetryable(err.message, err.code);
        throw err;
      });
    },
  };
}
