/**
 * The state of one withdrawal, kept in one small class so the workflow reads as its lifecycle.
 * Validators (may an operator decide now?) and transitions (hold, review, attempts, the agreeing
 * `expired` answers, the end) live here; activities, timers and continue-as-new in workflow.ts.
 */
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import type { WithdrawalStatus } from '../../domain/withdrawals';
import { businessFailure, ErrorCode } from '../../domain/errors';
import type { WithdrawalAccepted, WithdrawalDecision, WithdrawalInput, WithdrawalSnapshot } from './contract';

/**
 * A new attempt is signed only after this many `expired` answers in a row, each at a higher
 * solidified height than the last: one failed lookup never re-signs (and so never pays twice).
 */
export const EXPIRY_AGREEING_LOOKUPS = 3;

/** What review left to do: send, or refund with this reason (and the operator who decided). */
export type ReviewVerdict =
  { approve: true; operatorId: string } | { approve: false; reason: string; operatorId: string | undefined };

export class WithdrawalState {
  status: WithdrawalStatus = 'queued';
  phase = 'holding';
  attempt = 1;
  txid: string | null = null;
  reason: string | null = null;
  /** undefined until the hold answered; then whether the funds are held. */
  held: boolean | undefined;
  holdFailure: ApplicationFailure | undefined;
  decision: WithdrawalDecision | undefined;
  expiredAnswers = 0;
  lastExpiredSolidified = -1;
  /** How many different operators must approve (2 above the four-eyes threshold). */
  approvalsNeeded = 1;
  /** Operators whose approval is recorded while another is awaited. */
  approvedBy: string[] = [];

  constructor(readonly input: WithdrawalInput) {
    const c = input.carried;
    if (c) {
      Object.assign(this, {
        status: c.status,
        reason: c.reason,
        attempt: c.attempt,
        txid: c.txid,
        expiredAnswers: c.expiredAnswers,
        lastExpiredSolidified: c.lastExpiredSolidified,
      });
      this.held = true;
    }
  }

  /** The input of a continued run: held, reviewed, and the send state so far. */
  carry(): WithdrawalInput {
    return {
      ...this.input,
      carried: {
        status: this.status,
        reason: this.reason,
        attempt: this.attempt,
        txid: this.txid,
        expiredAnswers: this.expiredAnswers,
        lastExpiredSolidified: this.lastExpiredSolidified,
      },
    };
  }

  snapshot(): WithdrawalSnapshot {
    return {
      status: this.status,
      phase: this.phase,
      attempt: this.attempt,
      txid: this.txid,
      reason: this.reason,
      ...(this.approvedBy.length ? { approvedBy: [...this.approvedBy] } : {}),
    };
  }

  /** Whether approving this withdrawal needs two different operators (its amount is above the threshold). */
  needsSecondApprover(): boolean {
    const above = this.input.secondApproverAbove;
    return above !== undefined && this.input.amount > above;
  }

  holdSucceeded(): void {
    this.held = true;
  }

  /**
   * The hold was refused (e.g. short balance, spend cap): the failure the API answers with,
   * passed on as it came (details such as the spend cap's Retry-After included), or undefined
   * when the error was no business failure.
   */
  holdRefused(err: unknown): ApplicationFailure | undefined {
    this.held = false;
    const cause = err instanceof ActivityFailure ? err.cause : err;
    this.holdFailure =
      cause instanceof ApplicationFailure
        ? ApplicationFailure.create({
            message: cause.message,
            type: cause.type ?? undefined,
            nonRetryable: true,
            details: cause.details ?? undefined, // e.g. the spend cap's Retry-After
          })
        : undefined;
    return this.holdFailure;
  }

  /** The answer of `withdrawalAccepted` once the hold answered (`held` is set). */
  acceptedOutcome(): WithdrawalAccepted {
    if (!this.held)
      throw (
        this.holdFailure ?? ApplicationFailure.nonRetryable('funds could not be held', ErrorCode.Unavailable)
      );
    return { withdrawalId: this.input.withdrawalId, status: 'queued' };
  }

  /** An operator's decision is taken only while in review, and only once. */
  validateDecision(d: WithdrawalDecision): void {
    if (typeof d?.approve !== 'boolean')
      throw ApplicationFailure.nonRetryable('approve must be a boolean', ErrorCode.Validation);
    if (this.status !== 'review' || this.decision)
      throw ApplicationFailure.nonRetryable(
        `withdrawal is ${this.status}, not in review`,
        ErrorCode.Conflict,
      );
    // Four eyes: the operator who gave the first approval cannot give the second.
    if (d.approve && this.approvedBy.includes(d.operatorId))
      throw businessFailure('second_approver_required');
  }

  /**
   * Takes a decision: a rejection (by anyone) or the last approval needed decides; an earlier
   * approval is recorded and the withdrawal stays in review.
   */
  decide(d: WithdrawalDecision): WithdrawalSnapshot {
    if (d.approve && this.approvedBy.length + 1 < this.approvalsNeeded) {
      this.approvedBy.push(d.operatorId);
      return this.snapshot();
    }
    this.decision = d;
    return { ...this.snapshot(), status: d.approve ? 'queued' : 'rejected' };
  }

  /** Review's end: `decided` false means the review timed out, which rejects. */
  reviewVerdict(decided: boolean): ReviewVerdict {
    const decision = this.decision ?? {
      approve: false,
      operatorId: '',
      reason: this.approvedBy.length ? 'no second approval in time' : 'no review decision in time',
    };
    if (decided && decision.approve) return { approve: true, operatorId: decision.operatorId };
    return {
      approve: false,
      reason: decision.reason ?? 'rejected by operator',
      operatorId: decision.operatorId || undefined,
    };
  }

  /** Whether this changes the status shown (the workflow then stores it). */
  changeStatus(status: WithdrawalStatus, reason: string | null = null): boolean {
    if (this.status === status && this.reason === reason) return false;
    this.status = status;
    this.reason = reason;
    return true;
  }

  signed(txid: string): void {
    this.txid = txid;
  }

  /**
   * An `expired` answer for the current attempt: whether it is now provably never on chain
   * (enough answers at rising solidified heights agree), so a new attempt may be signed.
   */
  expiredAnswer(solidifiedSeen: number | undefined): boolean {
    const solidified = solidifiedSeen ?? this.lastExpiredSolidified + 1;
    if (solidified > this.lastExpiredSolidified) {
      this.expiredAnswers += 1;
      this.lastExpiredSolidified = solidified;
    }
    return this.expiredAnswers >= EXPIRY_AGREEING_LOOKUPS;
  }

  /** Any other answer breaks the run of agreeing `expired` answers. */
  notExpired(): void {
    this.expiredAnswers = 0;
  }

  /** The previous attempt provably expired: sign a new one, counting from scratch. */
  nextAttempt(): void {
    this.attempt += 1;
    this.expiredAnswers = 0;
    this.lastExpiredSolidified = -1;
  }

  rejected(reason: string): void {
    this.status = 'rejected';
    this.reason = reason;
  }

  confirmed(): void {
    this.status = 'confirmed';
    this.phase = 'done';
  }

  failed(reason: string): void {
    this.status = 'failed';
    this.reason = reason;
  }
}
