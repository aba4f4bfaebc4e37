/**
 * What the task and task-review workflows decide, on the time-skipping server with stub
 * activities (no Postgres): the task's escrow from opening to closing, and for one acceptance the
 * submission, the creator's decision or the auto-approval when the review window ends, the expiry
 * of an acceptance without proof, and the payout it keys.
 */
import { type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../../domain/errors';
import { reviewWindowMs } from '../../domain/task-rules';
import { businessStatusOf, startStubWorker, type StubWorker } from '../harness/stub-worker';
// Workflow modules (one block, so it is repointed in one place when the workflows move).
import {
  cancelTaskUpdate,
  taskLifecycleQuery,
  TASK_WORKFLOW_TYPE,
  taskSettledSignal,
  type TaskWorkflow,
  taskWorkflowId,
  type TaskInput,
} from '../../workflows/task/contract';
import {
  acceptanceOpenedUpdate,
  approveSubmissionUpdate,
  rejectSubmissionUpdate,
  submitProofUpdate,
  TASK_REVIEW_WORKFLOW_TYPE,
  taskReviewStateQuery,
  type TaskReviewWorkflow,
  taskReviewWorkflowId,
  type TaskReviewInput,
} from '../../workflows/task/contract';

const HOUR = 3_600_000;
const REWARD = 5_000_000; // 5 USDT
const SUBMIT_WITHIN_MS = 6 * HOUR;

function codeOf(err: unknown): string {
  for (let e: unknown = err; e instanceof Error; e = e.cause)
    if (e instanceof ApplicationFailure && e.type) return e.type;
  return String(err);
}

describe('task and task-review workflow decisions (stub activities)', () => {
  let w: StubWorker;

  beforeAll(async () => {
    w = await startStubWorker({
      async recordTaskSubmission() {},
      async recordTaskDecision() {},
      async settleTask() {
        return { status: 'open', slotsFilled: 0, slotsTotal: 1, completedAt: null, refunded: 0 };
      },
      async payEarner(p) {
        return { net: p.gross * 0.9, fee: p.gross * 0.1, referralCommission: 0, referrerId: null };
      },
      async enqueueWebhook() {
        return { deliveryId: randomUUID(), enqueued: true };
      },
      async openTask() {},
      async openAcceptance() {
        return { created: true };
      },
      async cancelTaskWithRefund() {
        return { outcome: 'cancelled' as const, refunded: 2 * REWARD };
      },
      async taskEscrowState() {
        return { status: 'open' as const, escrow: 3 * REWARD };
      },
      async announceTaskClosed() {
        return true;
      },
    });
  }, 120_000);

  afterAll(async () => {
    await w?.stop();
  });

  beforeEach(() => w.reset());

  interface Acceptance {
    input: TaskReviewInput;
    id: string;
    handle: WorkflowHandle<TaskReviewWorkflow>;
  }

  async function accepted(reward = REWARD, over: Partial<TaskReviewInput> = {}): Promise<Acceptance> {
    const input: TaskReviewInput = {
      taskId: randomUUID(),
      acceptanceId: randomUUID(),
      creatorId: `creator-${randomUUID()}`,
      workerId: `worker-${randomUUID()}`,
      reward,
      submitWithinMs: SUBMIT_WITHIN_MS,
      ...over,
    };
    const id = taskReviewWorkflowId(input.acceptanceId);
    const handle = await w.env.client.workflow.start<TaskReviewWorkflow>(TASK_REVIEW_WORKFLOW_TYPE, {
      workflowId: id,
      taskQueue: w.taskQueue,
      args: [input],
    });
    return { input, id, handle };
  }

  const submit = (a: Acceptance, workerId = a.input.workerId) =>
    a.handle.executeUpdate(submitProofUpdate, {
      args: [{ workerId, proofText: 'done', proofUrl: 'https://x.com/user/status/1' }],
    });
  const approve = (a: Acceptance, actorId = a.input.creatorId) =>
    a.handle.executeUpdate(approveSubmissionUpdate, { args: [{ actorId, reason: null }] });
  const reject = (a: Acceptance, reason: string | null = 'blurry') =>
    a.handle.executeUpdate(rejectSubmissionUpdate, { args: [{ actorId: a.input.creatorId, reason }] });
  const payouts = (a: Acceptance) => w.calls(a.id, 'payEarner').map((c) => c.input);
  const decisions = (a: Acceptance) => w.calls(a.id, 'recordTaskDecision').map((c) => c.input);

  describe('opening its own slot (opensAcceptance, as the API starts it)', () => {
    const opening = () => accepted(REWARD, { opensAcceptance: true });
    const opened = (a: Acceptance) => a.handle.executeUpdate(acceptanceOpenedUpdate);
    /**
     * The steps a workflow took, each once: a workflow task the server refused to complete (an
     * update raced it) runs its local activity again, with the same keyed input.
     */
    const distinctSteps = (a: Acceptance) => [
      ...new Map(w.calls(a.id).map((c) => [JSON.stringify([c.name, c.input]), [c.name, c.input]])).values(),
    ];

    it('when the slot is free, then its first step writes the row keyed by the acceptance and acceptanceOpened answers accepted', async () => {
      const a = await opening();
      expect(await opened(a)).toMatchObject({ acceptanceId: a.input.acceptanceId, status: 'accepted' });
      expect(distinctSteps(a)).toEqual([
        [
          'openAcceptance',
          {
            acceptanceId: a.input.acceptanceId,
            taskId: a.input.taskId,
            workerId: a.input.workerId,
            submitWithinSeconds: SUBMIT_WITHIN_MS / 1000,
          },
        ],
      ]);
      await submit(a);
      await reject(a);
    });

    it('when the slot was taken, then the lifecycle runs as usual: proof, approval, one keyed payout', async () => {
      const a = await opening();
      await opened(a);
      await submit(a);
      expect(await approve(a)).toMatchObject({ status: 'approved', payoutNet: REWARD * 0.9 });
      await a.handle.result();
      expect(payouts(a).map((p) => p.idempotencyKey)).toEqual([`task-payout:${a.input.acceptanceId}`]);
      expect(w.calls(a.id).map((c) => c.name)[0]).toBe('openAcceptance');
    });

    it('when the slot is taken and no proof comes, then it expires and settles its slot as usual', async () => {
      const a = await opening();
      await opened(a);
      expect(await a.handle.result()).toMatchObject({ status: 'expired', decision: 'expired' });
      expect(w.calls(a.id, 'settleTask').map((c) => c.input)).toEqual([{ taskId: a.input.taskId }]);
    });

    it('when the slot is refused, then acceptanceOpened answers the refusal, the workflow ends with it, shows refused and nothing else runs', async () => {
      w.on('openAcceptance', async () => {
        throw ApplicationFailure.create({
          message: 'no free slots left on this task',
          type: ErrorCode.Conflict,
          nonRetryable: true,
          details: [{ code: 'task_no_free_slots' }],
        });
      });
      const a = await opening();
      const answer = await opened(a).catch((e: unknown) => e);
      expect(codeOf(answer)).toBe(ErrorCode.Conflict);
      expect(String((answer as Error).cause)).toContain('no free slots left on this task');
      expect(codeOf(await a.handle.result().catch((e: unknown) => e))).toBe(ErrorCode.Conflict);
      expect(await businessStatusOf(a.handle)).toBe('refused');
      expect(distinctSteps(a).map(([name]) => name)).toEqual(['openAcceptance']);
    });

    it('when the first step fails for a moment, then it is retried and the slot is taken once', async () => {
      let failures = 1;
      w.on('openAcceptance', async () => {
        if (failures-- > 0) throw new Error('connection reset');
        return { created: true };
      });
      const a = await opening();
      expect(await opened(a)).toMatchObject({ status: 'accepted' });
      expect(w.calls(a.id, 'openAcceptance').length).toBeGreaterThanOrEqual(2);
      await submit(a);
      await reject(a);
    });

    it('when an acceptance predates opensAcceptance, then it skips the step and acceptanceOpened answers at once', async () => {
      const a = await accepted();
      expect(await opened(a)).toMatchObject({ status: 'accepted' });
      expect(w.calls(a.id, 'openAcceptance')).toHaveLength(0);
      await submit(a);
      await reject(a);
    });
  });

  describe('submission', () => {
    it('when the worker submits proof, then it is recorded with a review deadline of the reward’s window', async () => {
      const a = await accepted();
      const view = await submit(a);
      expect(view.status).toBe('submitted');
      expect(Date.parse(view.reviewDeadline!) - Date.parse(view.submittedAt!)).toBe(reviewWindowMs(REWARD));
      expect(w.calls(a.id, 'recordTaskSubmission').map((c) => c.input)).toEqual([
        {
          acceptanceId: a.input.acceptanceId,
          proofText: 'done',
          proofUrl: 'https://x.com/user/status/1',
          submittedAt: view.submittedAt,
          reviewDeadline: view.reviewDeadline,
        },
      ]);
      await reject(a);
    });

    it('when the worker submits proof, then the creator is notified once, keyed by the acceptance', async () => {
      const a = await accepted();
      await submit(a);
      await reject(a);
      await a.handle.result();
      expect(
        w.calls(a.id, 'enqueueWebhook').map((c) => [c.input.event, c.input.eventKey, c.input.accountId]),
      ).toEqual([
        ['proof_submitted', `task:${a.input.taskId}:proof:${a.input.acceptanceId}`, a.input.creatorId],
      ]);
    });

    it('when someone other than the worker submits, then it is forbidden and nothing is recorded', async () => {
      const a = await accepted();
      expect(codeOf(await submit(a, 'someone-else').catch((e: unknown) => e))).toBe(ErrorCode.Forbidden);
      expect(w.calls(a.id, 'recordTaskSubmission')).toHaveLength(0);
      await submit(a);
      await reject(a);
    });

    it('when the database refuses the proof, then it answers 400 and the worker may submit again', async () => {
      let refuse = true;
      w.on('recordTaskSubmission', async () => {
        if (refuse) throw ApplicationFailure.nonRetryable('cannot store', ErrorCode.InvalidData);
      });
      const a = await accepted();
      expect(codeOf(await submit(a).catch((e: unknown) => e))).toBe(ErrorCode.Validation);
      expect((await a.handle.query(taskReviewStateQuery)).status).toBe('accepted');
      refuse = false;
      expect((await submit(a)).status).toBe('submitted');
      await reject(a);
    });

    it('when no proof arrives by the deadline, then the acceptance expires, its slot settles and nothing is paid', async () => {
      const a = await accepted();
      const final = await a.handle.result();
      expect(final).toMatchObject({ status: 'expired', decision: 'expired' });
      // Dated when the timer fired: at the deadline, give or take the workflow task's latency.
      expect(Date.parse(final.decidedAt!) - Date.parse(final.submitBy)).toBeGreaterThanOrEqual(0);
      expect(Date.parse(final.decidedAt!) - Date.parse(final.submitBy)).toBeLessThan(1000);
      expect(decisions(a)).toMatchObject([{ status: 'expired', decision: 'expired', payoutNet: null }]);
      expect(w.calls(a.id, 'settleTask').map((c) => c.input)).toEqual([{ taskId: a.input.taskId }]);
      expect(payouts(a)).toEqual([]);
    });
  });

  describe('review', () => {
    it('when the creator approves, then the worker is paid the reward once from the task’s escrow, keyed by the acceptance', async () => {
      const a = await accepted();
      await submit(a);
      const view = await approve(a);
      expect(view).toMatchObject({ status: 'approved', decision: 'approved', payoutNet: REWARD * 0.9 });
      expect(payouts(a)).toEqual([
        {
          idempotencyKey: `task-payout:${a.input.acceptanceId}`,
          kind: 'task_payout',
          reference: `task:${a.input.taskId}`,
          from: { ownerId: a.input.creatorId, purpose: 'escrow', subject: `task:${a.input.taskId}` },
          earnerId: a.input.workerId,
          gross: REWARD,
        },
      ]);
    });

    it('when the creator approves, then the decision is recorded with the payout after the money moved', async () => {
      const a = await accepted();
      await submit(a);
      await approve(a);
      expect(decisions(a)).toMatchObject([
        { status: 'approved', decision: 'approved', payoutNet: REWARD * 0.9, payoutFee: REWARD * 0.1 },
      ]);
      const names = w.calls(a.id).map((c) => c.name);
      expect(names.indexOf('recordTaskDecision')).toBeGreaterThan(names.indexOf('payEarner'));
    });

    it('when the creator rejects, then nothing is paid and the slot is settled with the reason recorded', async () => {
      const a = await accepted();
      await submit(a);
      const view = await reject(a, 'blurry');
      expect(view).toMatchObject({ status: 'rejected', decision: 'rejected', reason: 'blurry' });
      expect(payouts(a)).toEqual([]);
      expect(decisions(a)).toMatchObject([{ status: 'rejected', decision: 'rejected', reason: 'blurry' }]);
      expect(w.calls(a.id, 'settleTask')).toHaveLength(1);
    });

    it('when the database refuses the rejection reason, then the rejection is recorded without it', async () => {
      w.on('recordTaskDecision', async (d) => {
        if (d.reason !== null) throw ApplicationFailure.nonRetryable('cannot store', ErrorCode.InvalidData);
      });
      const a = await accepted();
      await submit(a);
      expect(await reject(a, 'x')).toMatchObject({ status: 'rejected', reason: null });
      expect(decisions(a).map((d) => d.reason)).toEqual(['x', null]);
    });

    it('when someone other than the creator decides, then it is forbidden', async () => {
      const a = await accepted();
      await submit(a);
      expect(codeOf(await approve(a, a.input.workerId).catch((e: unknown) => e))).toBe(ErrorCode.Forbidden);
      await reject(a);
    });

    it('when the creator decides before any proof, then it is a conflict', async () => {
      const a = await accepted();
      expect(codeOf(await approve(a).catch((e: unknown) => e))).toBe(ErrorCode.Conflict);
      await submit(a);
      await reject(a);
    });

    it('when a second decision arrives, then it is a conflict and the worker is paid once', async () => {
      const a = await accepted();
      await submit(a);
      await approve(a);
      const second = await approve(a).catch((e: unknown) => e);
      // Refused by the validator, or the settled workflow has already closed.
      expect(second).toBeInstanceOf(Error);
      expect(payouts(a)).toHaveLength(1);
    });

    it('when the review window passes without a decision, then it is auto-approved at the deadline and paid once', async () => {
      const a = await accepted();
      const submitted = await submit(a);
      await w.env.sleep(reviewWindowMs(REWARD) - 1000);
      expect((await a.handle.query(taskReviewStateQuery)).status).toBe('submitted');
      expect(payouts(a)).toEqual([]);
      const final = await a.handle.result();
      expect(final).toMatchObject({ status: 'approved', decision: 'auto_approved' });
      expect(final.decidedAt).toBe(submitted.reviewDeadline);
      expect(payouts(a).map((p) => p.idempotencyKey)).toEqual([`task-payout:${a.input.acceptanceId}`]);
    });

    it('when an approval completes the task, then the creator is told the task is completed', async () => {
      w.on('settleTask', async () => ({
        status: 'completed' as const,
        slotsFilled: 1,
        slotsTotal: 1,
        completedAt: new Date(0).toISOString(),
        refunded: 0,
      }));
      const a = await accepted();
      await submit(a);
      await approve(a);
      await a.handle.result();
      expect(w.calls(a.id, 'enqueueWebhook').map((c) => c.input.eventKey)).toContain(
        `task:${a.input.taskId}:completed`,
      );
    });
  });
  describe('task', () => {
    /** Escrow as the stub reports it: open with money until `closed` is set. */
    const escrow = { closed: false };
    beforeEach(() => {
      escrow.closed = false;
      w.on('taskEscrowState', async () =>
        escrow.closed
          ? { status: 'completed' as const, escrow: 0 }
          : { status: 'open' as const, escrow: 3 * REWARD },
      );
    });

    async function openTask() {
      const input: TaskInput = {
        taskId: randomUUID(),
        creatorId: `creator-${randomUUID()}`,
        title: 'follow',
        description: 'follow and post proof',
        category: 'social',
        reward: REWARD,
        slots: 3,
      };
      const id = taskWorkflowId(input.taskId);
      const handle = await w.env.client.workflow.start<TaskWorkflow>(TASK_WORKFLOW_TYPE, {
        workflowId: id,
        taskQueue: w.taskQueue,
        args: [input],
      });
      return { input, id, handle };
    }
    type Task = Awaited<ReturnType<typeof openTask>>;
    const cancel = (t: Task, actorId = t.input.creatorId) =>
      t.handle.executeUpdate(cancelTaskUpdate, { args: [{ actorId }] });
    /** Empties the escrow and tells the task, as a settling acceptance does; the task then closes. */
    async function settleLastSlot(t: Task) {
      escrow.closed = true;
      await t.handle.signal(taskSettledSignal);
      return t.handle.result();
    }

    it('when a task is opened, then its row and escrow are written by one openTask with the task’s terms', async () => {
      const t = await openTask();
      expect((await t.handle.query(taskLifecycleQuery)).status).toBe('open');
      expect(w.calls(t.id, 'openTask').map((c) => c.input)).toEqual([
        {
          taskId: t.input.taskId,
          creatorId: t.input.creatorId,
          title: 'follow',
          description: 'follow and post proof',
          category: 'social',
          reward: REWARD,
          slots: 3,
        },
      ]);
      await settleLastSlot(t);
    });

    it('when the escrow cannot be held, then the task fails with that code and shows refused', async () => {
      w.on('openTask', async () => {
        throw ApplicationFailure.nonRetryable('insufficient balance', ErrorCode.InsufficientBalance);
      });
      const t = await openTask();
      expect(codeOf(await t.handle.result().catch((e: unknown) => e))).toBe(ErrorCode.InsufficientBalance);
      expect(await businessStatusOf(t.handle)).toBe('refused');
      expect(w.calls(t.id, 'taskEscrowState')).toHaveLength(0);
    });

    it('when the creator cancels, then the unused escrow is refunded in the same step', async () => {
      const t = await openTask();
      const view = await cancel(t);
      expect(view).toMatchObject({ status: 'cancelled', cancelRefunded: 2 * REWARD });
      expect(w.calls(t.id, 'cancelTaskWithRefund').map((c) => c.input)).toEqual([{ taskId: t.input.taskId }]);
      await settleLastSlot(t);
    });

    it('when someone else cancels, or the creator cancels twice, then it is refused and refunds once', async () => {
      const t = await openTask();
      expect(codeOf(await cancel(t, 'someone-else').catch((e: unknown) => e))).toBe(ErrorCode.Forbidden);
      await cancel(t);
      expect(codeOf(await cancel(t).catch((e: unknown) => e))).toBe(ErrorCode.Conflict);
      expect(w.calls(t.id, 'cancelTaskWithRefund')).toHaveLength(1);
      await settleLastSlot(t);
    });

    it('when a slot settles and the escrow is empty, then the task closes and announces it once', async () => {
      const t = await openTask();
      await t.handle.query(taskLifecycleQuery);
      expect(await settleLastSlot(t)).toMatchObject({ status: 'closed' });
      expect(w.calls(t.id, 'announceTaskClosed').map((c) => c.input)).toEqual([{ taskId: t.input.taskId }]);
    });

    it('when no signal comes, then the slow re-check still finds the empty escrow and closes the task', async () => {
      const t = await openTask();
      await t.handle.query(taskLifecycleQuery);
      escrow.closed = true;
      expect(await t.handle.result()).toMatchObject({ status: 'closed' });
    });
  });
});
