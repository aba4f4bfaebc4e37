/**
 * Tasks that expire (issue 17.4), on the time-skipping server with stub activities: the task's
 * durable timer at expiresAt refunds the open slots once (keyed in Postgres, guarded here), a
 * cancel and the expiry never both refund, slots released after the expiry are refunded by the
 * settlement, and a task started without expiresAt never expires.
 */
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorCode } from '../../domain/errors';
import { startStubWorker, type StubWorker } from '../harness/stub-worker';
import {
  cancelTaskUpdate,
  taskLifecycleQuery,
  TASK_REVIEW_WORKFLOW_TYPE,
  TASK_WORKFLOW_TYPE,
  type TaskInput,
  type TaskReviewInput,
  type TaskReviewWorkflow,
  taskReviewWorkflowId,
  taskSettledSignal,
  type TaskWorkflow,
  taskWorkflowId,
} from '../../workflows/task/contract';

const HOUR = 3_600_000;
const REWARD = 5_000_000; // 5 USDT
const SLOTS = 3;

function codeOf(err: unknown): string {
  for (let e: unknown = err; e instanceof Error; e = e.cause)
    if (e instanceof ApplicationFailure && e.type) return e.type;
  return String(err);
}

describe('task expiry decisions (stub activities)', () => {
  let w: StubWorker;
  /** The task row as the stubs see it: its status, and the escrow left in it. */
  const row = { status: 'open' as 'open' | 'cancelled' | 'expired', escrow: SLOTS * REWARD, running: 0 };

  beforeAll(async () => {
    w = await startStubWorker();
  }, 120_000);
  afterAll(async () => {
    await w?.stop();
  });

  beforeEach(() => {
    row.status = 'open';
    row.escrow = SLOTS * REWARD;
    row.running = 0;
    // Stubs that behave as the Postgres transactions do: one status guard, refund down to what
    // running acceptances still need.
    /** null when not open (then `row.status` says what it is), else the amount refunded. */
    const refundTo = (status: 'cancelled' | 'expired'): number | null => {
      if (row.status !== 'open') return null;
      row.status = status;
      const refunded = row.escrow - row.running * REWARD;
      row.escrow -= refunded;
      return refunded;
    };
    w.reset({
      async openTask() {},
      async expireTaskWithRefund() {
        const refunded = refundTo('expired');
        return refunded === null
          ? { outcome: 'not_open', status: row.status }
          : { outcome: 'expired', refunded };
      },
      async cancelTaskWithRefund() {
        const refunded = refundTo('cancelled');
        return refunded === null
          ? { outcome: 'not_open', status: row.status }
          : { outcome: 'cancelled', refunded };
      },
      async announceTaskExpired() {},
      async announceTaskClosed() {
        return false;
      },
      async taskEscrowState() {
        return { status: row.status, escrow: row.escrow };
      },
      async recordTaskDecision() {},
      async recordTaskSubmission() {},
      async settleTask() {
        // The released slot of an expired task is refunded, as reconcileTaskEscrow does.
        row.running--;
        const keep = row.status === 'open' ? row.escrow : row.running * REWARD;
        const refunded = row.escrow - keep;
        row.escrow = keep;
        return { status: row.status, slotsFilled: 0, slotsTotal: SLOTS, completedAt: null, refunded };
      },
    });
  });

  async function openTask(expiresInMs: number | null) {
    const now = await w.env.currentTimeMs();
    const input: TaskInput = {
      taskId: randomUUID(),
      creatorId: `creator-${randomUUID()}`,
      title: 'follow',
      description: 'follow and post proof',
      category: 'social',
      reward: REWARD,
      slots: SLOTS,
      ...(expiresInMs === null ? {} : { expiresAt: new Date(now + expiresInMs).toISOString() }),
    };
    const id = taskWorkflowId(input.taskId);
    const handle = await w.env.client.workflow.start<TaskWorkflow>(TASK_WORKFLOW_TYPE, {
      workflowId: id,
      taskQueue: w.taskQueue,
      args: [input],
    });
    await handle.query(taskLifecycleQuery);
    return { input, id, handle };
  }

  it('when expiresAt passes, then the open slots’ escrow is refunded once by the expiry step and the task closes expired', async () => {
    const t = await openTask(2 * HOUR);
    const result = await t.handle.result();
    expect(result).toMatchObject({ status: 'closed', expiryRefunded: SLOTS * REWARD, cancelRefunded: null });
    expect(w.calls(t.id, 'expireTaskWithRefund').map((c) => c.input)).toEqual([{ taskId: t.input.taskId }]);
    expect(w.calls(t.id, 'announceTaskExpired').map((c) => c.input)).toEqual([
      { taskId: t.input.taskId, refunded: SLOTS * REWARD },
    ]);
    expect(row.escrow).toBe(0);
  });

  it('when expiresAt is later than the re-check, then the task stays open until expiresAt', async () => {
    const t = await openTask(30 * HOUR);
    await w.env.sleep(29 * HOUR);
    expect((await t.handle.query(taskLifecycleQuery)).status).toBe('open');
    expect(w.calls(t.id, 'expireTaskWithRefund')).toHaveLength(0);
    await w.env.sleep(2 * HOUR);
    expect(await t.handle.result()).toMatchObject({ status: 'closed', expiryRefunded: SLOTS * REWARD });
  });

  it('when an accepted slot passes submit_by without proof after the expiry, then it is refunded and the task closes', async () => {
    row.running = 1;
    const t = await openTask(1 * HOUR);
    const review: TaskReviewInput = {
      taskId: t.input.taskId,
      acceptanceId: randomUUID(),
      creatorId: t.input.creatorId,
      workerId: `worker-${randomUUID()}`,
      reward: REWARD,
      submitWithinMs: 5 * HOUR,
    };
    const reviewId = taskReviewWorkflowId(review.acceptanceId);
    const a = await w.env.client.workflow.start<TaskReviewWorkflow>(TASK_REVIEW_WORKFLOW_TYPE, {
      workflowId: reviewId,
      taskQueue: w.taskQueue,
      args: [review],
    });
    await w.env.sleep(2 * HOUR);
    // Expired with the accepted slot's escrow kept for it.
    expect(await t.handle.query(taskLifecycleQuery)).toMatchObject({
      status: 'expired',
      expiryRefunded: (SLOTS - 1) * REWARD,
    });
    expect(row.escrow).toBe(REWARD);
    expect((await a.result()).status).toBe('expired');
    expect(await t.handle.result()).toMatchObject({ status: 'closed' });
    expect(w.calls(reviewId, 'settleTask')).toHaveLength(1);
    expect(w.calls(reviewId, 'payEarner')).toHaveLength(0);
    expect(row.escrow).toBe(0);
  });

  it('when the creator cancelled before expiresAt, then the expiry refunds nothing more', async () => {
    row.running = 1;
    const t = await openTask(1 * HOUR);
    const cancelled = await t.handle.executeUpdate(cancelTaskUpdate, {
      args: [{ actorId: t.input.creatorId }],
    });
    expect(cancelled).toMatchObject({ status: 'cancelled', cancelRefunded: (SLOTS - 1) * REWARD });
    await w.env.sleep(3 * HOUR);
    expect(w.calls(t.id, 'expireTaskWithRefund')).toHaveLength(0);
    expect(w.calls(t.id, 'announceTaskExpired')).toHaveLength(0);
    expect(row.escrow).toBe(REWARD);
    row.running = 0;
    row.escrow = 0; // the running slot settled
    await t.handle.signal(taskSettledSignal);
    expect(await t.handle.result()).toMatchObject({ status: 'closed', cancelRefunded: (SLOTS - 1) * REWARD });
    expect(w.calls(t.id, 'expireTaskWithRefund')).toHaveLength(0);
  });

  it('when the creator cancels after the expiry, then it is refused and nothing more is refunded', async () => {
    row.running = 1;
    const t = await openTask(1 * HOUR);
    await w.env.sleep(2 * HOUR);
    const refused = await t.handle
      .executeUpdate(cancelTaskUpdate, { args: [{ actorId: t.input.creatorId }] })
      .catch((e: unknown) => e);
    expect(codeOf(refused)).toBe(ErrorCode.Conflict);
    expect(w.calls(t.id, 'cancelTaskWithRefund')).toHaveLength(0);
    expect(w.calls(t.id, 'expireTaskWithRefund')).toHaveLength(1);
    row.running = 0;
    row.escrow = 0;
    await t.handle.signal(taskSettledSignal);
    expect(await t.handle.result()).toMatchObject({ status: 'closed', expiryRefunded: (SLOTS - 1) * REWARD });
  });

  it('when a task was started without expiresAt (before tasks expired), then it never expires', async () => {
    const t = await openTask(null);
    await w.env.sleep(10 * 24 * HOUR);
    expect((await t.handle.query(taskLifecycleQuery)).status).toBe('open');
    expect(w.calls(t.id, 'expireTaskWithRefund')).toHaveLength(0);
    expect(row.escrow).toBe(SLOTS * REWARD);
    const done = await t.handle.executeUpdate(cancelTaskUpdate, { args: [{ actorId: t.input.creatorId }] });
    expect(done.status).toBe('cancelled');
    await t.handle.result();
  });
});
