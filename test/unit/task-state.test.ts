/**
 * TaskOwnerState and ReviewState as plain TypeScript (no server, no worker): who may cancel,
 * submit and decide, and when; and every transition of a task's escrow owner and of one
 * acceptance's review.
 */
import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import { ErrorCode } from '../../domain/errors';
import { reviewWindowMs } from '../../domain/task-rules';
import type { SubmitProofInput, TaskInput, TaskReviewInput } from '../../workflows/task/contract';
import { ReviewState, TaskOwnerState } from '../../workflows/task/state';
import { verdict } from '../harness/verdict';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const HOUR = 3600_000;
const REWARD = 2_000_000;

const taskInput = (over: Partial<TaskInput> = {}): TaskInput => ({
  taskId: 't-1',
  creatorId: 'creator',
  title: 'Like a post',
  description: 'Like it',
  category: 'social',
  reward: REWARD,
  slots: 3,
  ...over,
});
const openTask = () => {
  const t = new TaskOwnerState(taskInput());
  t.openSucceeded();
  return t;
};

describe('TaskOwnerState', () => {
  describe('a new task', () => {
    it('when it starts, then it is opening and its opening is not yet known', () => {
      const t = new TaskOwnerState(taskInput());
      expect(t.view()).toEqual({ taskId: 't-1', status: 'opening', cancelRefunded: null });
      expect(t.opened).toBeUndefined();
    });

    it('when a run continues an open task, then it is open', () => {
      const t = new TaskOwnerState(taskInput({ opened: true }));
      expect(t.view().status).toBe('open');
      expect(t.opened).toBe(true);
    });

    it('when a run continues a cancelled task, then it is cancelled with its refund and refuses a cancel', () => {
      const t = new TaskOwnerState(taskInput({ opened: true, cancelRefunded: 4_000_000 }));
      expect(t.view()).toEqual({ taskId: 't-1', status: 'cancelled', cancelRefunded: 4_000_000 });
      expect(t.cancelRequested).toBe(true);
    });
  });

  describe('opening', () => {
    it('when the escrow was posted, then the task is open and taskOpened answers its view', () => {
      const t = openTask();
      expect(t.openedOutcome()).toEqual({ taskId: 't-1', status: 'open', cancelRefunded: null });
    });

    it('when the hold was refused with a business failure, then taskOpened passes it on, non-retryable', () => {
      const t = new TaskOwnerState(taskInput());
      const refusal = ApplicationFailure.create({
        message: 'insufficient balance',
        type: 'INSUFFICIENT_FUNDS',
        details: [{ code: 'insufficient_funds' }],
      });
      const passed = t.openRefused(
        new ActivityFailure('openTask', 'openTask', 'a-1', RetryState.NON_RETRYABLE_FAILURE, 'w', refusal),
      );
      expect(t.opened).toBe(false);
      expect(passed).toMatchObject({
        message: 'insufficient balance',
        type: 'INSUFFICIENT_FUNDS',
        nonRetryable: true,
        details: [{ code: 'insufficient_funds' }],
      });
      expect(() => t.openedOutcome()).toThrow(passed!);
    });

    it('when opening failed with no business failure, then taskOpened answers unavailable', () => {
      const t = new TaskOwnerState(taskInput());
      expect(t.openRefused(new Error('boom'))).toBeUndefined();
      expect(verdict(() => t.openedOutcome())).toBe(`${ErrorCode.Unavailable}: escrow could not be held`);
    });
  });

  describe('validateCancel', () => {
    it('when the creator cancels an open task, then it is accepted', () => {
      expect(verdict(() => openTask().validateCancel({ actorId: 'creator' }))).toBe('accepted');
    });

    it('when the creator cancels a task still opening, then it is accepted', () => {
      expect(verdict(() => new TaskOwnerState(taskInput()).validateCancel({ actorId: 'creator' }))).toBe(
        'accepted',
      );
    });

    it('when anyone else cancels, then it is forbidden', () => {
      expect(verdict(() => openTask().validateCancel({ actorId: 'stranger' }))).toBe(
        `${ErrorCode.Forbidden}: only the task creator may cancel it`,
      );
    });

    it('when a cancel is already running, then a second one is a conflict', () => {
      const t = openTask();
      t.cancelStarted();
      expect(verdict(() => t.validateCancel({ actorId: 'creator' }))).toBe(
        `${ErrorCode.Conflict}: task is already cancelled`,
      );
    });

    it('when the task completed, then a cancel is a conflict', () => {
      const t = openTask();
      t.escrowSeen({ status: 'completed', escrow: 0 });
      expect(verdict(() => t.validateCancel({ actorId: 'creator' }))).toBe(
        `${ErrorCode.Conflict}: task is already completed`,
      );
    });

    it('when the task closed, then a cancel is a conflict', () => {
      const t = openTask();
      t.closed();
      expect(verdict(() => t.validateCancel({ actorId: 'creator' }))).toBe(
        `${ErrorCode.Conflict}: task is already closed`,
      );
    });
  });

  describe('cancel', () => {
    it('when the database cancelled the task, then it is cancelled with the refund and a change is counted', () => {
      const t = openTask();
      t.cancelStarted();
      expect(t.cancelAnswered({ outcome: 'cancelled', refunded: 6_000_000 })).toEqual({
        taskId: 't-1',
        status: 'cancelled',
        cancelRefunded: 6_000_000,
      });
      expect(t.changes).toBe(1);
    });

    it('when the database found the task no longer open, then the cancel is a conflict naming its status and may be retried', () => {
      const t = openTask();
      t.cancelStarted();
      expect(verdict(() => t.cancelAnswered({ outcome: 'not_open', status: 'completed' }))).toBe(
        `${ErrorCode.Conflict}: task is already completed`,
      );
      expect(t.cancelRequested).toBe(false);
      expect(t.view().status).toBe('open');
      expect(t.changes).toBe(1);
    });

    it('when the database no longer has the task, then the cancel is a conflict: gone', () => {
      const t = openTask();
      t.cancelStarted();
      expect(verdict(() => t.cancelAnswered({ outcome: 'not_found' }))).toBe(
        `${ErrorCode.Conflict}: task is already gone`,
      );
    });
  });

  describe('the escrow', () => {
    it('when an acceptance settles, then a change is counted', () => {
      const t = openTask();
      t.acceptanceSettled();
      expect(t.changes).toBe(1);
    });

    it('when the open task is seen completed, then it becomes completed (once)', () => {
      const t = openTask();
      expect(t.escrowSeen({ status: 'completed', escrow: 0 })).toEqual({ completed: true, over: true });
      expect(t.view().status).toBe('completed');
      expect(t.escrowSeen({ status: 'completed', escrow: 0 }).completed).toBe(false);
    });

    it('when the task is open, then it is not over whatever the escrow', () => {
      expect(openTask().escrowSeen({ status: 'open', escrow: 0 })).toEqual({ completed: false, over: false });
    });

    it('when a cancelled task still has escrow (running acceptances), then it is not over', () => {
      const t = openTask();
      t.cancelAnswered({ outcome: 'cancelled', refunded: 2_000_000 });
      expect(t.escrowSeen({ status: 'cancelled', escrow: REWARD })).toEqual({
        completed: false,
        over: false,
      });
    });

    it('when a cancelled task has no escrow left, then it is over and stays cancelled', () => {
      const t = openTask();
      t.cancelAnswered({ outcome: 'cancelled', refunded: 2_000_000 });
      expect(t.escrowSeen({ status: 'cancelled', escrow: 0 })).toEqual({ completed: false, over: true });
      expect(t.view().status).toBe('cancelled');
    });

    it('when the task closes, then its view says closed', () => {
      const t = openTask();
      t.closed();
      expect(t.view().status).toBe('closed');
    });

    it('when it continues as new, then the next run is opened and carries the refund', () => {
      const t = openTask();
      t.cancelAnswered({ outcome: 'cancelled', refunded: 2_000_000 });
      expect(t.carry()).toEqual({ ...taskInput(), opened: true, cancelRefunded: 2_000_000 });
    });
  });

  describe('expiry', () => {
    const EXPIRES = '2026-01-02T00:00:00Z';
    const expiring = (over: Partial<TaskInput> = {}) => {
      const t = new TaskOwnerState(taskInput({ expiresAt: EXPIRES, ...over }));
      t.openSucceeded();
      return t;
    };

    it('when the task has no expiresAt (an older task), then it has no expiry', () => {
      expect(openTask().expiryAt(T0)).toBeNull();
    });

    it('when the API stamped createdAt, then the expiry is the TTL counted from the workflow start', () => {
      const t = expiring({ createdAt: '2026-01-01T00:00:00Z' });
      expect(t.expiryAt(T0 + 5_000)).toBe(T0 + 24 * HOUR + 5_000);
    });

    it('when the API sent no createdAt, then the expiry is expiresAt itself', () => {
      expect(expiring().expiryAt(T0 + 5_000)).toBe(Date.parse(EXPIRES));
    });

    it('when expiresAt was before createdAt, then the expiry is the workflow start', () => {
      const t = expiring({ createdAt: '2026-01-03T00:00:00Z' });
      expect(t.expiryAt(T0)).toBe(T0);
    });

    it('when a run continues, then the expiry is the instant its predecessor computed', () => {
      const t = expiring({ createdAt: '2026-01-01T00:00:00Z', expiryDueMs: T0 + 7 * HOUR });
      expect(t.expiryAt(T0 + 99 * HOUR)).toBe(T0 + 7 * HOUR);
    });

    it('when the task is open and nobody cancelled, then it may expire', () => {
      expect(expiring().mayExpire()).toBe(true);
    });

    it('when the task is still opening, then it may not expire', () => {
      expect(new TaskOwnerState(taskInput({ expiresAt: EXPIRES })).mayExpire()).toBe(false);
    });

    it('when a cancel is running, then it may not expire', () => {
      const t = expiring();
      t.cancelStarted();
      expect(t.mayExpire()).toBe(false);
    });

    it('when the expiry started, then it may not expire a second time', () => {
      const t = expiring();
      t.expiryStarted();
      expect(t.mayExpire()).toBe(false);
    });

    it('when the expiry started, then a cancel is a conflict: already expired', () => {
      const t = expiring();
      t.expiryStarted();
      expect(verdict(() => t.validateCancel({ actorId: 'creator' }))).toBe(
        `${ErrorCode.Conflict}: task is already expired`,
      );
    });

    it('when the database expired the task, then it is expired with the refund and a change is counted', () => {
      const t = expiring();
      t.expiryStarted();
      expect(t.expiryAnswered({ outcome: 'expired', refunded: 4_000_000 })).toBe(true);
      expect(t.view()).toEqual({
        taskId: 't-1',
        status: 'expired',
        cancelRefunded: null,
        expiryRefunded: 4_000_000,
      });
      expect(t.changes).toBe(1);
    });

    it('when the database found the task no longer open, then it stays as it was and a change is counted', () => {
      const t = expiring();
      t.expiryStarted();
      expect(t.expiryAnswered({ outcome: 'not_open', status: 'completed' })).toBe(false);
      expect(t.view()).toEqual({ taskId: 't-1', status: 'open', cancelRefunded: null });
      expect(t.changes).toBe(1);
    });

    it('when an expired task still has escrow (running acceptances), then it is not over', () => {
      const t = expiring();
      t.expiryAnswered({ outcome: 'expired', refunded: 2_000_000 });
      expect(t.escrowSeen({ status: 'expired', escrow: REWARD })).toEqual({ completed: false, over: false });
    });

    it('when an expired task has no escrow left, then it is over and stays expired', () => {
      const t = expiring();
      t.expiryAnswered({ outcome: 'expired', refunded: 2_000_000 });
      expect(t.escrowSeen({ status: 'expired', escrow: 0 })).toEqual({ completed: false, over: true });
      expect(t.view().status).toBe('expired');
    });

    it('when an open task continues as new, then the next run carries the expiry instant', () => {
      const t = expiring();
      expect(t.carry(T0 + 7 * HOUR)).toEqual({
        ...taskInput({ expiresAt: EXPIRES }),
        opened: true,
        cancelRefunded: null,
        expiryDueMs: T0 + 7 * HOUR,
      });
    });

    it('when an expired task continues as new, then the next run is expired with its refund and refuses a cancel', () => {
      const t = expiring();
      t.expiryAnswered({ outcome: 'expired', refunded: 4_000_000 });
      const next = new TaskOwnerState(t.carry(T0));
      expect(next.view()).toEqual({
        taskId: 't-1',
        status: 'expired',
        cancelRefunded: null,
        expiryRefunded: 4_000_000,
      });
      expect(next.mayExpire()).toBe(false);
      expect(verdict(() => next.validateCancel({ actorId: 'creator' }))).toBe(
        `${ErrorCode.Conflict}: task is already expired`,
      );
    });
  });
});

const reviewInput = (over: Partial<TaskReviewInput> = {}): TaskReviewInput => ({
  taskId: 't-1',
  acceptanceId: 'a-1',
  creatorId: 'creator',
  workerId: 'worker',
  reward: REWARD,
  submitWithinMs: 24 * HOUR,
  ...over,
});
const proof = (over: Partial<SubmitProofInput> = {}): SubmitProofInput => ({
  workerId: 'worker',
  proofText: 'done',
  proofUrl: 'https://example.com/p',
  ...over,
});
const accepted = (over: Partial<TaskReviewInput> = {}) => new ReviewState(reviewInput(over), T0);
const submitted = () => {
  const r = accepted();
  r.submit(proof(), T0 + HOUR);
  return r;
};

describe('ReviewState', () => {
  describe('a new acceptance', () => {
    it('when it starts, then it is accepted, proof due submitWithin later, nothing decided', () => {
      expect(accepted().view()).toEqual({
        taskId: 't-1',
        acceptanceId: 'a-1',
        workerId: 'worker',
        status: 'accepted',
        submitBy: new Date(T0 + 24 * HOUR).toISOString(),
        submittedAt: null,
        reviewDeadline: null,
        decision: null,
        decidedAt: null,
        reason: null,
        payoutNet: null,
        payoutFee: null,
      });
    });
  });

  describe('opening its own slot (opensAcceptance)', () => {
    const opening = () => accepted({ opensAcceptance: true });

    it('when an acceptance predates the flag, then its slot counts as taken from the start', () => {
      expect(accepted().opened).toBe(true);
      expect(accepted().openedOutcome().status).toBe('accepted');
    });

    it('when the workflow writes the row, then it is not open until the row exists', () => {
      const r = opening();
      expect(r.opened).toBeUndefined();
      r.openSucceeded();
      expect(r.openedOutcome()).toMatchObject({ status: 'accepted', acceptanceId: 'a-1' });
    });

    it('when the row is written, then it is keyed by the acceptance with the proof deadline in seconds', () => {
      expect(opening().acceptanceRow()).toEqual({
        acceptanceId: 'a-1',
        taskId: 't-1',
        workerId: 'worker',
        submitWithinSeconds: 24 * 3600,
      });
    });

    it('when the slot was refused with a business failure, then acceptanceOpened passes it on, non-retryable', () => {
      const r = opening();
      const refusal = ApplicationFailure.create({
        message: 'no free slots left on this task',
        type: ErrorCode.Conflict,
        details: [{ code: 'task_no_free_slots' }],
      });
      const passed = r.openRefused(
        new ActivityFailure(
          'openAcceptance',
          'openAcceptance',
          'a-1',
          RetryState.NON_RETRYABLE_FAILURE,
          'w',
          refusal,
        ),
      );
      expect(passed).toMatchObject({
        message: 'no free slots left on this task',
        type: ErrorCode.Conflict,
        nonRetryable: true,
        details: [{ code: 'task_no_free_slots' }],
      });
      expect(() => r.openedOutcome()).toThrow(passed!);
    });

    it('when the slot is not taken (yet, or refused), then a proof is a conflict', () => {
      const r = opening();
      expect(verdict(() => r.assertCanSubmit(proof()))).toBe(`${ErrorCode.Conflict}: acceptance is not open`);
      r.openRefused(new Error('refused'));
      expect(verdict(() => r.assertCanSubmit(proof()))).toBe(`${ErrorCode.Conflict}: acceptance is not open`);
    });
  });

  describe('assertCanSubmit', () => {
    it('when the worker submits while accepted, then it is accepted', () => {
      expect(verdict(() => accepted().assertCanSubmit(proof()))).toBe('accepted');
    });

    it('when someone else submits, then it is forbidden', () => {
      expect(verdict(() => accepted().assertCanSubmit(proof({ workerId: 'creator' })))).toBe(
        `${ErrorCode.Forbidden}: only the worker who accepted may submit`,
      );
    });

    it('when a proof was already submitted, then a second one is a conflict', () => {
      expect(verdict(() => submitted().assertCanSubmit(proof()))).toBe(
        `${ErrorCode.Conflict}: acceptance is already submitted`,
      );
    });

    it('when the acceptance expired, then a proof is a conflict', () => {
      const r = accepted();
      r.decide('expired', null, T0 + 24 * HOUR);
      expect(verdict(() => r.assertCanSubmit(proof()))).toBe(
        `${ErrorCode.Conflict}: acceptance is already expired`,
      );
    });
  });

  describe('submission', () => {
    it('when a proof is submitted, then the review window of the reward tier starts', () => {
      const r = submitted();
      expect(r.view()).toMatchObject({
        status: 'submitted',
        submittedAt: new Date(T0 + HOUR).toISOString(),
        reviewDeadline: new Date(T0 + HOUR + reviewWindowMs(REWARD)).toISOString(),
      });
      expect(r.proof).toEqual({ text: 'done', url: 'https://example.com/p' });
    });

    it('when the input sets a review window, then it replaces the tier', () => {
      const r = accepted({ reviewWindowMs: 5_000 });
      r.submit(proof(), T0);
      expect(r.reviewDeadline).toBe(T0 + 5_000);
    });

    it('when the submission was stored, then submitProof answers the view', () => {
      const r = submitted();
      expect(r.submissionAnswered(1)).toBe(false);
      r.submissionStored();
      expect(r.submissionAnswered(1)).toBe(true);
      expect(r.submissionOutcome().status).toBe('submitted');
    });

    it('when the proof could not be stored, then it is back to accepted and submitProof is a validation error', () => {
      const r = submitted();
      r.refuseSubmission();
      expect(r.submissionAnswered(1)).toBe(true);
      expect(verdict(() => r.submissionOutcome())).toBe(
        `${ErrorCode.Validation}: proof_text: contains characters that cannot be stored`,
      );
      expect(r.view()).toMatchObject({ status: 'accepted', submittedAt: null, reviewDeadline: null });
      expect(r.proof).toBeNull();
    });

    it('when a refused proof is submitted again, then the second submission waits for its own answer', () => {
      const r = submitted();
      r.refuseSubmission();
      expect(verdict(() => r.assertCanSubmit(proof()))).toBe('accepted');
      r.submit(proof(), T0 + 2 * HOUR);
      expect(r.submissions).toBe(2);
      expect(r.submissionAnswered(2)).toBe(false);
    });
  });

  describe('assertCanDecide', () => {
    it('when the creator decides on a submitted proof, then it is accepted', () => {
      expect(verdict(() => submitted().assertCanDecide({ actorId: 'creator', reason: null }))).toBe(
        'accepted',
      );
    });

    it('when anyone else decides, then it is forbidden', () => {
      expect(verdict(() => submitted().assertCanDecide({ actorId: 'worker', reason: null }))).toBe(
        `${ErrorCode.Forbidden}: only the task creator may review submissions`,
      );
    });

    it('when no proof was submitted yet, then a decision is a conflict', () => {
      expect(verdict(() => accepted().assertCanDecide({ actorId: 'creator', reason: null }))).toBe(
        `${ErrorCode.Conflict}: no proof submitted yet (acceptance is accepted)`,
      );
    });

    it('when the submission was auto-approved, then a decision is a conflict naming it', () => {
      const r = submitted();
      r.autoApprove();
      expect(verdict(() => r.assertCanDecide({ actorId: 'creator', reason: null }))).toBe(
        `${ErrorCode.Conflict}: submission is already auto-approved`,
      );
    });

    it('when the submission was rejected, then a second decision is a conflict', () => {
      const r = submitted();
      r.decide('rejected', 'blurry', T0 + 2 * HOUR);
      expect(verdict(() => r.assertCanDecide({ actorId: 'creator', reason: null }))).toBe(
        `${ErrorCode.Conflict}: submission is already rejected`,
      );
    });
  });

  describe('decisions', () => {
    it('when the creator approves, then it is approved with the time and reason', () => {
      const r = submitted();
      r.decide('approved', 'nice', T0 + 2 * HOUR);
      expect(r.view()).toMatchObject({
        status: 'approved',
        decision: 'approved',
        decidedAt: new Date(T0 + 2 * HOUR).toISOString(),
        reason: 'nice',
      });
    });

    it('when the creator rejects, then it is rejected', () => {
      const r = submitted();
      r.decide('rejected', null, T0 + 2 * HOUR);
      expect(r.view()).toMatchObject({ status: 'rejected', decision: 'rejected' });
    });

    it('when the review window runs out, then it is approved, auto, dated at the deadline', () => {
      const r = submitted();
      r.autoApprove();
      expect(r.view()).toMatchObject({
        status: 'approved',
        decision: 'auto_approved',
        decidedAt: r.view().reviewDeadline,
      });
    });

    it('when no proof came in time, then it is expired', () => {
      const r = accepted();
      r.decide('expired', null, T0 + 24 * HOUR);
      expect(r.view()).toMatchObject({ status: 'expired', decision: 'expired' });
    });

    it('when the earner was paid, then the view shows the net and the fee', () => {
      const r = submitted();
      r.decide('approved', null, T0 + 2 * HOUR);
      r.paid({ net: 1_800_000, fee: 200_000 });
      expect(r.view()).toMatchObject({ payoutNet: 1_800_000, payoutFee: 200_000 });
    });
  });

  describe('decisionRecord', () => {
    it('when decided and paid, then the record carries status, decision, time, reason and payout', () => {
      const r = submitted();
      r.decide('approved', 'nice', T0 + 2 * HOUR);
      r.paid({ net: 1_800_000, fee: 200_000 });
      expect(r.decisionRecord()).toEqual({
        acceptanceId: 'a-1',
        status: 'approved',
        decision: 'approved',
        decidedAt: new Date(T0 + 2 * HOUR).toISOString(),
        reason: 'nice',
        payoutNet: 1_800_000,
        payoutFee: 200_000,
      });
    });

    it('when the reason cannot be stored, then it is dropped and the decision stands', () => {
      const r = submitted();
      r.decide('rejected', 'bad\u0000text', T0 + 2 * HOUR);
      r.dropReason();
      expect(r.decisionRecord()).toMatchObject({ status: 'rejected', decision: 'rejected', reason: null });
    });
  });
});
