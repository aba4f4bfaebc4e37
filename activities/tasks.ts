/**
 * Task activities: the taskReview workflow's writes to the task read model and the escrow
 * reconciliation. Each is idempotent: status changes are guarded by the state they leave.
 */
import { type Micro } from '../domain/money';
import { type TaskSettlement } from '../domain/task-store';
import { reconcileTaskEscrow } from '../db/tasks';
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
