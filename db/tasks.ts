/**
 * Postgres helpers for tasks shared by the API use-cases and the task activities: row reads and
 * the one escrow reconciliation that completes tasks and returns escrow nobody can earn any more.
 */
import type { Micro } from '../domain/money';
import {
  type AcceptanceRow,
  type CancelTaskOutcome,
  escrowToKeep,
  type NewAcceptance,
  type NewTask,
  taskCancelRefundKey,
  taskEscrowAccount,
  type TaskRow,
  type TaskSettlement,
  type TaskStatus,
} from '../domain/task-store';
import { acceptanceRefusal, type OpenAcceptanceOutcome } from '../domain/task-acceptance';
import { balanceOf, postJournal } from './ledger';
import { type KeysetAfter, keyParams, keyTime } from './keyset';
import { type Db, type Queryable, withTransaction } from './pool';

/** The tasks columns of TaskRow (the two slot counters are computed). */
const TASK_TABLE_COLUMNS = `id, creator_id, title, description, category, reward, slots, status, created_at,
  cancelled_at, completed_at, expires_at, expired_at`;
const TASK_ROW_FIELDS = `${TASK_TABLE_COLUMNS}, slots_taken, slots_filled`;

/** SELECT list of a task (TaskRow) with its slot counters (alias t for tasks). */
export const TASK_COLUMNS = `t.id, t.creator_id, t.title, t.description, t.category, t.reward, t.slots, t.status,
  t.created_at, t.cancelled_at, t.completed_at, t.expires_at, t.expired_at,
  (SELECT count(*)::int FROM task_acceptances a WHERE a.task_id = t.id
     AND a.status IN ('accepted', 'submitted', 'approved')) AS slots_taken,
  (SELECT count(*)::int FROM task_acceptances a WHERE a.task_id = t.id AND a.status = 'approved') AS slots_filled`;

export async function findTask(db: Queryable, id: string, lock = false): Promise<TaskRow | undefined> {
  const r = await db.query<TaskRow>(
    `SELECT ${TASK_COLUMNS} FROM tasks t WHERE t.id = $1${lock ? ' FOR UPDATE OF t' : ''}`,
    [id],
  );
  return r.rows[0];
}

/** The columns of AcceptanceRow, in the table's order. */
const ACCEPTANCE_COLUMNS = `id, task_id, worker_id, status, accepted_at, submit_by, proof_text, proof_url, submitted_at,
  review_deadline, decided_at, decision, decision_reason, payout_net, payout_fee`;

export async function findAcceptance(db: Queryable, id: string): Promise<AcceptanceRow | undefined> {
  const r = await db.query<AcceptanceRow>(
    `SELECT ${ACCEPTANCE_COLUMNS} FROM task_acceptances WHERE id = $1`,
    [id],
  );
  return r.rows[0];
}

/**
 * Brings a task's escrow in line with what can still be earned, under the task's row lock:
 * an open task keeps `reward × unpaid slots`; a cancelled one keeps `reward × running
 * acceptances`; a completed one keeps nothing. The excess goes back to the creator. An open task
 * whose every slot is paid becomes `completed` here.
 *
 * Idempotent by construction: the refund is keyed by the escrow balance it starts from, and that
 * balance only ever decreases, so a retry either finds the journal already posted (same key) or
 * nothing left to return. A payout always leaves escrow before its acceptance turns `approved`, so
 * a concurrent call can only over-estimate what must stay, never return too much.
 */
export async function reconcileTaskEscrow(db: Db, taskId: string): Promise<TaskSettlement> {
  return withTransaction(db, async (tx) => {
    let task = await findTask(tx, taskId, true);
    if (!task) throw new Error(`task ${taskId} not found`);
    if (task.status === 'open' && task.slots_filled >= task.slots) {
      await tx.query(`UPDATE tasks SET status = 'completed', completed_at = now() WHERE id = $1`, [taskId]);
      task = (await findTask(tx, taskId))!;
    }
    const mustStay = escrowToKeep(task);
    const escrow = taskEscrowAccount(task);
    const balance = await balanceOf(tx, escrow);
    const excess = balance - mustStay;
    if (excess > 0) {
      // Posted while the task row is locked, so no two reconciliations compute from one balance.
      await postJournal(db, {
        idempotencyKey: `task-escrow-release:${taskId}:${balance}`,
        kind: 'task_refund',
        reference: `task:${taskId}`,
        memo: { task_id: taskId, task_status: task.status },
        lines: [
          { account: escrow, amount: -excess },
          { account: { ownerId: task.creator_id, purpose: 'available' }, amount: excess },
        ],
      });
    }
    return {
      status: task.status,
      slotsFilled: task.slots_filled,
      slotsTotal: task.slots,
      completedAt: task.completed_at ? task.completed_at.toISOString() : null,
      refunded: Math.max(0, excess),
    };
  });
}

/**
 * The `task-<id>` workflow's first step: the tasks row and its escrow in ONE transaction, so a
 * short balance (402) leaves no row and a task never exists without its escrow. Repeatable: the
 * row insert and the `task-escrow:<id>` posting are both no-ops the second time.
 */
export async function openTaskWithEscrow(db: Db, t: NewTask): Promise<void> {
  await withTransaction(db, async (tx) => {
    await tx.query(
      `INSERT INTO tasks (id, creator_id, title, description, category, reward, slots, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
      [t.taskId, t.creatorId, t.title, t.description, t.category, t.reward, t.slots, t.expiresAt ?? null],
    );
    await postJournal(tx, {
      idempotencyKey: `task-escrow:${t.taskId}`,
      kind: 'task_escrow',
      reference: `task:${t.taskId}`,
      memo: { task_id: t.taskId, slots: t.slots, reward: t.reward },
      lines: [
        { account: { ownerId: t.creatorId, purpose: 'available' }, amount: -t.reward * t.slots },
        { account: taskEscrowAccount({ id: t.taskId, creator_id: t.creatorId }), amount: t.reward * t.slots },
      ],
    });
  });
}

/**
 * Cancels an open task and returns the escrow of every slot not taken, as ONE transaction: the
 * status change and the refund commit together or not at all. A task already cancelled answers
 * with the refund its cancel posted (a retried step repeats nothing; callers refuse a second cancel
 before they get here).
 */
export async function cancelTaskWithRefund(db: Db, taskId: string): Promise<CancelTaskOutcome> {
  return withTransaction(db, async (tx): Promise<CancelTaskOutcome> => {
    const task = await findTask(tx, taskId, true);
    if (!task) return { outcome: 'not_found' };
    if (task.status === 'cancelled') {
      const done = await tx.query<{ amount: number }>(
        `SELECT e.amount FROM ledger_journals j JOIN ledger_entries e ON e.journal_id = j.id
          WHERE j.idempotency_key = $1 AND e.amount > 0`,
        [taskCancelRefundKey(taskId)],
      );
      return { outcome: 'cancelled', refunded: done.rows[0]?.amount ?? 0 };
    }
    if (task.status !== 'open') return { outcome: 'not_open', status: task.status };
    await tx.query(`UPDATE tasks SET status = 'cancelled', cancelled_at = now() WHERE id = $1`, [taskId]);
    const cancelled: TaskRow = { ...task, status: 'cancelled' };
    const escrow = taskEscrowAccount(task);
    const excess = (await balanceOf(tx, escrow)) - escrowToKeep(cancelled);
    if (excess > 0) {
      await postJournal(tx, {
        idempotencyKey: taskCancelRefundKey(taskId),
        kind: 'task_refund',
        reference: `task:${taskId}`,
        memo: { task_id: taskId, task_status: 'cancelled' },
        lines: [
          { account: escrow, amount: -excess },
          { account: { ownerId: task.creator_id, purpose: 'available' }, amount: excess },
        ],
      });
    }
    return { outcome: 'cancelled', refunded: Math.max(0, excess) };
  });
}

/** What the `task-<id>` workflow needs to know whether it still owns money. */
export async function taskEscrowState(
  db: Db,
  taskId: string,
): Promise<{ status: TaskStatus | null; escrow: Micro }> {
  const r = await db.query<{ status: TaskStatus; creator_id: string }>(
    'SELECT status, creator_id FROM tasks WHERE id = $1',
    [taskId],
  );
  const row = r.rows[0];
  if (!row) return { status: null, escrow: 0 };
  return {
    status: row.status,
    escrow: await balanceOf(db, taskEscrowAccount({ id: taskId, creator_id: row.creator_id })),
  };
}

/**
 * One keyset page of the open tasks with at least one free slot, newest first by (created_at, id):
 * rows strictly after `after` (`[created_at as key text, id]`), at most `take`.
 */
export const searchOpenTasks = (
  db: Queryable,
  category: string | null,
  minReward: number,
  pattern: string | null,
  after: KeysetAfter,
  take: number,
) =>
  db.query<TaskRow & { key_time: string }>(
    `SELECT ${TASK_ROW_FIELDS}, ${keyTime('x.created_at')} AS key_time
       FROM (SELECT ${TASK_COLUMNS} FROM tasks t WHERE t.status = 'open'
                      AND ($1::text IS NULL OR t.category = $1)
                      AND t.reward >= $2
                      AND ($3::text IS NULL OR t.title ILIKE $3 OR t.description ILIKE $3)
                      AND ($4::timestamptz IS NULL OR (t.created_at, t.id) < ($4::timestamptz, $5::uuid))) x
      WHERE x.slots_taken < x.slots
      ORDER BY x.created_at DESC, x.id DESC LIMIT $6`,
    [category, minReward, pattern, ...keyParams(after, 2), take],
  );

export const acceptancesVisibleTo = (db: Queryable, taskId: string, isCreator: boolean, accountId: string) =>
  db.query<AcceptanceRow>(
    `SELECT ${ACCEPTANCE_COLUMNS} FROM task_acceptances WHERE task_id = $1 AND ($2 OR worker_id = $3) ORDER BY accepted_at, id`,
    [taskId, isCreator, accountId],
  );

export const runningAcceptanceOf = (db: Queryable, taskId: string, workerId: string) =>
  db.query(
    `SELECT 1 FROM task_acceptances WHERE task_id = $1 AND worker_id = $2
          AND status IN ('accepted', 'submitted', 'approved')`,
    [taskId, workerId],
  );

/** How many of a worker's acceptances of a task have ended (rejected, expired, …): not running. */
export async function endedAcceptanceCountOf(
  db: Queryable,
  taskId: string,
  workerId: string,
): Promise<number> {
  const r = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM task_acceptances WHERE task_id = $1 AND worker_id = $2
          AND status NOT IN ('accepted', 'submitted', 'approved')`,
    [taskId, workerId],
  );
  return r.rows[0].n;
}

export const insertAcceptance = (
  db: Queryable,
  acceptanceId: string,
  taskId: string,
  workerId: string,
  submitWithinSeconds: number,
) =>
  db.query<AcceptanceRow>(
    `INSERT INTO task_acceptances (id, task_id, worker_id, status, submit_by)
       VALUES ($1, $2, $3, 'accepted', now() + make_interval(secs => $4)) RETURNING ${ACCEPTANCE_COLUMNS}`,
    [acceptanceId, taskId, workerId, submitWithinSeconds],
  );

/**
 * The `task-review-<acceptance_id>` workflow's first step: under the task's row lock, the checks
 * of domain/task-acceptance.ts and the insert, in ONE transaction, so two workers never take one
 * slot. Repeatable: an acceptance already there (a retried step, a keyed retry) is found, not
 * checked again nor written twice.
 */
export async function openTaskAcceptance(
  db: Db,
  a: NewAcceptance,
  nowMs: number,
): Promise<OpenAcceptanceOutcome> {
  return withTransaction(db, async (tx): Promise<OpenAcceptanceOutcome> => {
    const task = await findTask(tx, a.taskId, true);
    if (!task) return { outcome: 'refused', refusal: { code: 'not_found' } };
    if (await findAcceptance(tx, a.acceptanceId)) return { outcome: 'opened', created: false };
    const running = await runningAcceptanceOf(tx, task.id, a.workerId);
    const refusal = acceptanceRefusal(task, a.workerId, (running.rowCount ?? 0) > 0, nowMs);
    if (refusal) return { outcome: 'refused', refusal };
    await insertAcceptance(tx, a.acceptanceId, task.id, a.workerId, a.submitWithinSeconds);
    return { outcome: 'opened', created: true };
  });
}

export const liveAcceptanceOf = (db: Queryable, taskId: string, workerId: string) =>
  db.query<AcceptanceRow>(
    `SELECT ${ACCEPTANCE_COLUMNS} FROM task_acceptances WHERE task_id = $1 AND worker_id = $2 AND status IN ('accepted', 'submitted')
      ORDER BY accepted_at DESC LIMIT 1`,
    [taskId, workerId],
  );

export const recordSubmission = (
  db: Queryable,
  acceptanceId: string,
  proofText: string | null,
  proofUrl: string | null,
  submittedAt: string,
  reviewDeadline: string,
) =>
  db.query(
    `UPDATE task_acceptances
            SET status = 'submitted', proof_text = $2, proof_url = $3, submitted_at = $4, review_deadline = $5
          WHERE id = $1 AND status = 'accepted'`,
    [acceptanceId, proofText, proofUrl, submittedAt, reviewDeadline],
  );

export const recordAcceptanceDecision = (
  db: Queryable,
  acceptanceId: string,
  status: string,
  decision: string | null,
  decidedAt: string,
  reason: string | null,
  payoutNet: number | null,
  payoutFee: number | null,
) =>
  db.query(
    `UPDATE task_acceptances
            SET status = $2, decision = $3, decided_at = $4, decision_reason = $5, payout_net = $6, payout_fee = $7
          WHERE id = $1 AND status IN ('accepted', 'submitted')`,
    [acceptanceId, status, decision, decidedAt, reason, payoutNet, payoutFee],
  );
