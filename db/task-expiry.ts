/**
 * Task expiry (issue 17.4): the one transaction the `task-<id>` workflow's timer runs at
 * `expires_at` — the status change and the refund of every slot not taken commit together.
 */
import { type Db, withTransaction } from './pool';
import { balanceOf, postJournal } from './ledger';
import type { Micro } from '../domain/money';
import { escrowToKeep, taskEscrowAccount, type TaskStatus } from '../domain/task-store';
import { findTask } from './tasks';

/** Key of the refund an expiry posts; a repeated expiry finds it instead of refunding again. */
export const taskExpiryRefundKey = (taskId: string) => `task-expiry-refund:${taskId}`;

export type ExpireTaskOutcome =
  | { outcome: 'expired'; refunded: Micro }
  | { outcome: 'not_open'; status: TaskStatus }
  | { outcome: 'not_found' };

/**
 * Expires an open task and returns the escrow of every slot not taken, in ONE transaction under
 * the task's row lock, so it and a cancel (same lock, same status guard) never both refund. A task
 * already expired answers with the refund its expiry posted (a retried step repeats nothing).
 */
export async function expireTaskWithRefund(db: Db, taskId: string): Promise<ExpireTaskOutcome> {
  return withTransaction(db, async (tx): Promise<ExpireTaskOutcome> => {
    const task = await findTask(tx, taskId, true);
    if (!task) return { outcome: 'not_found' };
    if (task.status === 'expired') {
      const done = await tx.query<{ amount: string }>(
        `SELECT e.amount FROM ledger_journals j JOIN ledger_entries e ON e.journal_id = j.id
          WHERE j.idempotency_key = $1 AND e.amount > 0`,
        [taskExpiryRefundKey(taskId)],
      );
      return { outcome: 'expired', refunded: Number(done.rows[0]?.amount ?? 0) };
    }
    if (task.status !== 'open') return { outcome: 'not_open', status: task.status };
    await tx.query(`UPDATE tasks SET status = 'expired', expired_at = now() WHERE id = $1`, [taskId]);
    const escrow = taskEscrowAccount(task);
    const excess = (await balanceOf(tx, escrow)) - escrowToKeep({ ...task, status: 'expired' });
    if (excess > 0) {
      await postJournal(tx, {
        idempotencyKey: taskExpiryRefundKey(taskId),
        kind: 'task_refund',
        reference: `task:${taskId}`,
        memo: { task_id: taskId, task_status: 'expired' },
        lines: [
          { account: escrow, amount: -excess },
          { account: { ownerId: task.creator_id, purpose: 'available' }, amount: excess },
        ],
      });
    }
    return { outcome: 'expired', refunded: Math.max(0, excess) };
  });
}
