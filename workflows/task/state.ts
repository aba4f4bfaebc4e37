/**
 * The state of a task's owner workflow (`TaskOwnerState`) and of one acceptance's review
 * (`ReviewState`), kept in small classes so the workflows read as their lifecycles. Validators
 * (who may do what, and when: the permissions come from domain/task-permissions.ts) and
 * transitions live here; activities, timers and messages in workflow.ts and review.ts.
 */
import { ApplicationFailure } from '@temporalio/common';
import { ErrorCode, failIf } from '../../domain/errors';
import type { Micro } from '../../domain/money';
import type { CancelTaskOutcome, TaskStatus } from '../../domain/task-store';
import type { ExpireTaskOutcome } from '../../db/task-expiry';
import { mayCancelTask, mayReviewSubmission, maySubmitProof } from '../../domain/task-permissions';
import { reviewWindowMs } from '../../domain/task-rules';
import { OpenedByFirstStep } from '../opening';
import type {
  CancelTaskRequest,
  DecisionInput,
  ReviewDecision,
  ReviewStatus,
  SubmitProofInput,
  TaskInput,
  TaskLifecycle,
  TaskReviewInput,
  TaskReviewState,
} from './contract';

const iso = (ms: number) => new Date(ms).toISOString();

/** The owner of a task's escrow: opening, open, cancelled, expired or completed, then closed. */
export class TaskOwnerState extends OpenedByFirstStep<TaskLifecycle> {
  status: TaskLifecycle['status'];
  protected readonly notOpenedText = 'escrow could not be held';
  cancelRequested = false;
  cancelRefunded: Micro | null;
  /** Set when the expiry timer fired: from then on a cancel is refused. */
  expiring: boolean;
  expiryRefunded: Micro | null;
  /** Bumped at every change that may have emptied the escrow: the owner then re-checks it. */
  changes = 0;

  constructor(readonly input: TaskInput) {
    super();
    this.opened = input.opened ? true : undefined;
    this.status = input.opened
      ? input.expiryRefunded != null
        ? 'expired'
        : input.cancelRefunded == null
          ? 'open'
          : 'cancelled'
      : 'opening';
    this.cancelRefunded = input.cancelRefunded ?? null;
    this.cancelRequested = input.cancelRefunded != null;
    this.expiryRefunded = input.expiryRefunded ?? null;
    this.expiring = input.expiryRefunded != null;
  }

  view(): TaskLifecycle {
    return {
      taskId: this.input.taskId,
      status: this.status,
      cancelRefunded: this.cancelRefunded,
      ...(this.expiryRefunded === null ? {} : { expiryRefunded: this.expiryRefunded }),
    };
  }

  /** The row and the escrow were written. */
  override openSucceeded(): void {
    super.openSucceeded();
    this.status = 'open';
  }

  /** Only the creator cancels, and only a task that is still open (or opening), once, before it expired. */
  validateCancel(r: CancelTaskRequest): void {
    failIf(mayCancelTask(this.input, r?.actorId));
    if (this.cancelRequested || this.expiring || (this.status !== 'open' && this.status !== 'opening'))
      throw ApplicationFailure.nonRetryable(
        `task is already ${this.status === 'closed' ? 'closed' : this.cancelRequested ? 'cancelled' : this.expiring ? 'expired' : this.status}`,
        ErrorCode.Conflict,
      );
  }

  /** A cancel was accepted: a second one is refused while it runs. */
  cancelStarted(): void {
    this.cancelRequested = true;
  }

  /** The cancel's outcome in the database: cancelled with the refund, or refused (409). */
  cancelAnswered(result: CancelTaskOutcome): TaskLifecycle {
    this.changes++;
    if (result.outcome !== 'cancelled') {
      this.cancelRequested = false;
      const status = result.outcome === 'not_open' ? result.status : 'gone';
      throw ApplicationFailure.nonRetryable(`task is already ${status}`, ErrorCode.Conflict);
    }
    this.status = 'cancelled';
    this.cancelRefunded = result.refunded;
    return this.view();
  }

  /**
   * Epoch ms (workflow clock) of the expiry, or null for a task without expiresAt (an older one).
   * The first run counts the TTL from its start `startedAt` (see TaskInput.createdAt); a continued
   * run keeps the instant its predecessor computed.
   */
  expiryAt(startedAt: number): number | null {
    const { expiresAt, createdAt, expiryDueMs } = this.input;
    if (!expiresAt) return null;
    if (expiryDueMs !== undefined) return expiryDueMs;
    if (!createdAt) return Date.parse(expiresAt);
    return startedAt + Math.max(0, Date.parse(expiresAt) - Date.parse(createdAt));
  }

  /** Whether the timer still has something to do: an open task nobody cancelled. */
  mayExpire(): boolean {
    return this.status === 'open' && !this.cancelRequested && !this.expiring;
  }

  /** The timer fired: set before the expiry's first await so a cancel arriving meanwhile is refused. */
  expiryStarted(): void {
    this.expiring = true;
  }

  /**
   * The expiry's outcome in the database: true when the task expired here (with the refund);
   * false when it was no longer open (a concurrent cancel or completion won the row lock).
   */
  expiryAnswered(result: ExpireTaskOutcome): boolean {
    this.changes++;
    if (result.outcome !== 'expired') return false;
    this.status = 'expired';
    this.expiryRefunded = result.refunded;
    return true;
  }

  /** An acceptance settled (paid, expired or rejected). */
  acceptanceSettled(): void {
    this.changes++;
  }

  /**
   * The escrow as the database has it: `completed` when every slot was just paid, `over` when
   * the task is no longer open and nothing is left in escrow.
   */
  escrowSeen(now: { status: TaskStatus | null; escrow: Micro }): { completed: boolean; over: boolean } {
    const completed = now.status === 'completed' && this.status === 'open';
    if (completed) this.status = 'completed';
    return { completed, over: now.status !== 'open' && now.escrow === 0 };
  }

  closed(): void {
    this.status = 'closed';
  }

  /** The input of a continued run: opened, with any cancel's or expiry's refund and the expiry instant. */
  carry(expiryDueMs: number | null = null): TaskInput {
    return {
      ...this.input,
      opened: true,
      cancelRefunded: this.cancelRefunded,
      ...(this.expiryRefunded === null ? {} : { expiryRefunded: this.expiryRefunded }),
      ...(expiryDueMs === null ? {} : { expiryDueMs }),
    };
  }
}

/** The state of one acceptance: proof, review, decision, payout. */
export class ReviewState extends OpenedByFirstStep<TaskReviewState> {
  status: ReviewStatus = 'accepted';
  submittedAt: number | null = null;
  reviewDeadline: number | null = null;
  proof: { text: string; url: string | null } | null = null;
  submissionRecorded = false;
  /** Submissions taken / refused because the database could not store them (see refuseSubmission). */
  submissions = 0;
  refusedSubmissions = 0;
  decision: ReviewDecision | null = null;
  decidedAt: number | null = null;
  reason: string | null = null;
  payout: { net: Micro; fee: Micro } | null = null;
  settled = false;
  readonly submitBy: number;
  protected readonly notOpenedText = 'the slot could not be reserved';

  constructor(
    readonly input: TaskReviewInput,
    startedAt: number,
  ) {
    super();
    this.submitBy = startedAt + input.submitWithinMs;
    // An acceptance whose row the API wrote (recorded histories) was opened before it started.
    this.opened = input.opensAcceptance ? undefined : true;
  }

  /** The row the workflow's first step writes (db/tasks.ts openTaskAcceptance). */
  acceptanceRow() {
    return {
      acceptanceId: this.input.acceptanceId,
      taskId: this.input.taskId,
      workerId: this.input.workerId,
      submitWithinSeconds: this.input.submitWithinMs / 1000,
    };
  }

  /** Only the acceptance's worker submits, and only while accepted (the slot taken). */
  assertCanSubmit(p: SubmitProofInput): void {
    failIf(maySubmitProof(this.input, p.workerId));
    if (this.opened !== true)
      throw ApplicationFailure.nonRetryable('acceptance is not open', ErrorCode.Conflict);
    if (this.status !== 'accepted')
      throw ApplicationFailure.nonRetryable(`acceptance is already ${this.status}`, ErrorCode.Conflict);
  }

  /** A proof was taken at `now`; the review window (of the reward tier) starts. */
  submit(p: SubmitProofInput, now: number): void {
    this.status = 'submitted';
    this.proof = { text: p.proofText, url: p.proofUrl };
    this.submittedAt = now;
    this.reviewDeadline = now + (this.input.reviewWindowMs ?? reviewWindowMs(this.input.reward));
    this.submissions++;
  }

  /** The proof is in the read model. */
  submissionStored(): void {
    this.submissionRecorded = true;
  }

  /** The proof could not be stored: back to accepted, so the worker may submit again in time. */
  refuseSubmission(): void {
    this.status = 'accepted';
    this.proof = null;
    this.submittedAt = null;
    this.reviewDeadline = null;
    this.refusedSubmissions++;
  }

  /** Whether submission number `submission` was stored or refused (its update may answer). */
  submissionAnswered(submission: number): boolean {
    return this.submissionRecorded || this.refusedSubmissions >= submission;
  }

  /** The answer of `submitProof` once answered: the view, or the refusal of an unstorable proof. */
  submissionOutcome(): TaskReviewState {
    if (!this.submissionRecorded)
      throw ApplicationFailure.nonRetryable(
        'proof_text: contains characters that cannot be stored',
        ErrorCode.Validation,
      );
    return this.view();
  }

  /** Only the task's creator decides, once, and only on a submitted proof. */
  assertCanDecide(d: DecisionInput): void {
    failIf(mayReviewSubmission(this.input, d.actorId));
    if (this.decision !== null)
      throw ApplicationFailure.nonRetryable(
        `submission is already ${this.decision.replace('_', '-')}`,
        ErrorCode.Conflict,
      );
    if (this.status !== 'submitted')
      throw ApplicationFailure.nonRetryable(
        `no proof submitted yet (acceptance is ${this.status})`,
        ErrorCode.Conflict,
      );
  }

  decide(decision: ReviewDecision, reason: string | null, now: number): void {
    this.decision = decision;
    this.reason = reason;
    this.decidedAt = now;
    this.status = decision === 'auto_approved' ? 'approved' : decision;
  }

  /** Silence until the deadline is implicit approval, dated at the deadline itself. */
  autoApprove(): void {
    this.decide('auto_approved', null, this.reviewDeadline!);
  }

  paid(payout: { net: Micro; fee: Micro }): void {
    this.payout = { net: payout.net, fee: payout.fee };
  }

  /** The decision's reason could not be stored: it is dropped, the decision stands. */
  dropReason(): void {
    this.reason = null;
  }

  /** The row recording the decision in the read model. */
  decisionRecord() {
    return {
      acceptanceId: this.input.acceptanceId,
      status: this.status as 'approved' | 'rejected' | 'expired',
      decision: this.decision!,
      decidedAt: iso(this.decidedAt!),
      reason: this.reason,
      payoutNet: this.payout?.net ?? null,
      payoutFee: this.payout?.fee ?? null,
    };
  }

  view(): TaskReviewState {
    return {
      taskId: this.input.taskId,
      acceptanceId: this.input.acceptanceId,
      workerId: this.input.workerId,
      status: this.status,
      submitBy: iso(this.submitBy),
      submittedAt: this.submittedAt === null ? null : iso(this.submittedAt),
      reviewDeadline: this.reviewDeadline === null ? null : iso(this.reviewDeadline),
      decision: this.decision,
      decidedAt: this.decidedAt === null ? null : iso(this.decidedAt),
      reason: this.reason,
      payoutNet: this.payout?.net ?? null,
      payoutFee: this.payout?.fee ?? null,
    };
  }
}
