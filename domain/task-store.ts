/**
 * Tasks: row shapes and the escrow rules (what a task's escrow must keep, its ledger account and
 * refund keys). The SQL is db/tasks.ts.
 */
import type { LedgerAccountKey } from './ledger';
import type { Micro } from './money';

export type TaskStatus = 'open' | 'completed' | 'cancelled' | 'expired';

export type AcceptanceStatus = 'accepted' | 'submitted' | 'approved' | 'rejected' | 'expired';

export interface TaskRow {
  id: string;
  creator_id: string;
  title: string;
  description: string;
  category: string;
  reward: Micro;
  slots: number;
  status: TaskStatus;
  created_at: Date;
  cancelled_at: Date | null;
  completed_at: Date | null;
  /** Null for tasks created before tasks expired (they never do). */
  expires_at: Date | null;
  expired_at: Date | null;
  /** Acceptances occupying a slot (accepted, submitted, approved). */
  slots_taken: number;
  /** Approved (paid) acceptances. */
  slots_filled: number;
}

export interface AcceptanceRow {
  id: string;
  task_id: string;
  worker_id: string;
  status: AcceptanceStatus;
  accepted_at: Date;
  submit_by: Date;
  proof_text: string | null;
  proof_url: string | null;
  submitted_at: Date | null;
  review_deadline: Date | null;
  decided_at: Date | null;
  decision: string | null;
  decision_reason: string | null;
  payout_net: Micro | null;
  payout_fee: Micro | null;
}

export const taskEscrowAccount = (task: { id: string; creator_id: string }): LedgerAccountKey => ({
  ownerId: task.creator_id,
  purpose: 'escrow',
  subject: `task:${task.id}`,
});

export interface TaskSettlement {
  status: TaskStatus;
  slotsFilled: number;
  slotsTotal: number;
  completedAt: string | null;
  /** Escrow returned to the creator by this call. */
  refunded: Micro;
}

/**
 * What a task's escrow must keep: an open task `reward × unpaid slots`, a cancelled or expired
 * one `reward × running acceptances` (a slot released after that is refunded, not reopened), a
 * completed one nothing.
 */
export function escrowToKeep(task: TaskRow): Micro {
  const running = task.slots_taken - task.slots_filled;
  if (task.status === 'open') return task.reward * (task.slots - task.slots_filled);
  return task.status === 'cancelled' || task.status === 'expired' ? task.reward * running : 0;
}

export interface NewTask {
  taskId: string;
  creatorId: string;
  title: string;
  description: string;
  category: string;
  reward: Micro;
  slots: number;
  /** ISO-8601; absent for tasks that never expire. */
  expiresAt?: string;
}

/** Key of the refund a cancel posts; a repeated cancel finds it instead of refunding again. */
export const taskCancelRefundKey = (taskId: string) => `task-cancel-refund:${taskId}`;

/** One acceptance as the taskReview workflow's first step writes it (db/tasks.ts openTaskAcceptance). */
export interface NewAcceptance {
  acceptanceId: string;
  taskId: string;
  workerId: string;
  /** How long the worker has to submit proof; the row's submit_by is its insert time plus this. */
  submitWithinSeconds: number;
}

export type CancelTaskOutcome =
  | { outcome: 'cancelled'; refunded: Micro }
  | { outcome: 'not_open'; status: TaskStatus }
  | { outcome: 'not_found' };
