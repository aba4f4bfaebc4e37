/**
 * Task activities: the taskReview workflow's writes to the task read model and the escrow
 * reconciliation. Each is idempotent: the acceptance's insert is keyed by its id, status changes
 * are guarded by the state they leave.
 */
import { type Micro } from '../domain/money';
import { acceptanceRefusalFailure } from '../domain/task-acceptance';
import { type NewAcceptance, type TaskSettlement } from '../domain/task-store';
import { openTaskAcceptance, reconcileTaskEscrow } from '../db/tasks';
import type { ActivityDeps } from './deps';
import { recordAcceptanceDecision, recordSubmission } from '../db/tasks';

export interface RecordTaskSubmissionInput {
  acceptanceId: string;
  proofText: string;
  proofUrl: string | null;
  submittedAt: string;
  reviewDeadline: string;
}

export interface RecordTaskDecisionInput {
  acceptanceId: string;
  status: 'approved' | 'rejected' | 'expired';
  decision: 'approved' | 'auto_approved' | 'rejected' | 'expired';
  decidedAt: string;
  reason: string | null;
  payoutNet: Micro | null;
  payoutFee: Micro | null;
}

export function createTaskActivities({ db }: ActivityDeps) {
  return {
    /**
     * The taskReview workflow's first step (a local activity): the slot, under the task's row
     * lock, or the refusal (404, 403, 409) as a non-retryable failure that ends the workflow. A
     * retry finds the row it wrote.
     */
    async openAcceptance(input: NewAcceptance): Promise<{ created: boolean }> {
      const opened = await openTaskAcceptance(db, input, Date.now());
      if (opened.outcome === 'refused') throw acceptanceRefusalFailure(opened.refusal);
      return { created: opened.created };
    },

    async recordTaskSubmission(input: RecordTaskSubmissionInput): Promise<void> {
      await recordSubmission(
        db,
        input.acceptanceId,
        input.proofText,
        input.proofUrl,
        input.submittedAt,
        input.reviewDeadline,
      );
    },

    async recordTaskDecision(input: RecordTaskDecisionInput): Promise<void> {
      await recordAcceptanceDecision(
        db,
        input.acceptanceId,
        input.status,
        input.decision,
        input.decidedAt,
        input.reason,
        input.payoutNet,
        input.payoutFee,
      );
    },

    /** Completes the task when every slot is paid and returns escrow nobody can earn any more. */
    async settleTask(input: { taskId: string }): Promise<TaskSettlement> {
      return reconcileTaskEscrow(db, input.taskId);
    },
  };
}
