/**
 * The contract of the tasks marketplace: `task-<task_id>` owns a task's escrow from creation until
 * it is empty; `task-review-<acceptance_id>` carries one acceptance from the reserved slot to its
 * payout. Ids, messages, input and view types and the start options of both. Importable by
 * workflow code and clients alike.
 *
 * Task queue: the platform's one queue (TEMPORAL_TASK_QUEUE), passed in by the starter.
 */
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { fromMicro, type Micro, times } from '../../domain/money';
import { SA } from '../../domain/search-attributes';
import type { StartOptions } from '../contract-types';

// ── the task (escrow owner) ──────────────────────────────────────────────────────────────────

/**
 * The workflow type registered with Temporal: the name its module exports (checked here), never
 * renamed (recorded histories name it).
 */
export const TASK_WORKFLOW_TYPE = 'taskWorkflow';
/** The workflow function's type (checked against `workflow.ts` in workflows/contract-checks.ts). */
export type TaskWorkflow = (input: TaskInput) => Promise<TaskLifecycle>;

export const TASK_WORKFLOW_KIND = 'task';
export const taskWorkflowId = (taskId: string) => `task-${taskId}`;

export interface TaskInput {
  taskId: string;
  creatorId: string;
  title: string;
  description: string;
  category: string;
  /** Reward per slot, micro-USDT. */
  reward: Micro;
  slots: number;
  /**
   * ISO-8601: when the open slots are refunded and the task becomes `expired`. Absent on tasks
   * started before tasks expired: those never do.
   */
  expiresAt?: string;
  /**
   * ISO-8601, the API's clock when it chose expiresAt: the timer runs `expiresAt − createdAt` from
   * the workflow's start on the server's clock, so a skew between the two clocks moves nothing.
   */
  createdAt?: string;
  /** Continued-as-new: the expiry on the workflow's clock (epoch ms). */
  expiryDueMs?: number;
  /** How often an idle open/cancelled task re-reads its escrow (default 6 h). */
  recheckMs?: number;
  /** Continued-as-new: the escrow is already posted. */
  opened?: boolean;
  cancelRefunded?: Micro | null;
  /** Continued-as-new after the expiry: what it refunded. */
  expiryRefunded?: Micro | null;
}

export interface TaskLifecycle {
  taskId: string;
  status: 'opening' | 'open' | 'cancelled' | 'expired' | 'completed' | 'closed';
  cancelRefunded: Micro | null;
  /** What the expiry refunded; null until the task expired (absent in older answers). */
  expiryRefunded?: Micro | null;
}

export interface CancelTaskRequest {
  actorId: string;
}

/** Update-with-start: answers once the row and the escrow exist, or fails with the hold's error (402). */
export const taskOpenedUpdate = defineUpdate<TaskLifecycle>('taskOpened');
/** The creator's cancel: the status change and the refund are one step; 409 once not open. */
export const cancelTaskUpdate = defineUpdate<TaskLifecycle, [CancelTaskRequest]>('cancelTask');
/** From an acceptance's task-review workflow after it settled (paid, expired or rejected). */
export const taskSettledSignal = defineSignal('taskSettled');
export const taskLifecycleQuery = defineQuery<TaskLifecycle>('taskLifecycle');

/** Options of every task start: search attributes, memo and summary, and the id policies. */
export function taskStartOptions(input: TaskInput, taskQueue: string): StartOptions<TaskWorkflow> {
  return {
    workflowId: taskWorkflowId(input.taskId),
    taskQueue,
    args: [input],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    typedSearchAttributes: [
      { key: SA.WorkflowKind, value: TASK_WORKFLOW_KIND },
      { key: SA.BusinessStatus, value: 'open' },
      { key: SA.TaskId, value: input.taskId },
      { key: SA.AccountIds, value: [input.creatorId] },
      { key: SA.AmountMicro, value: times(input.reward, input.slots) },
    ],
    staticSummary: `Task "${input.title.slice(0, 60)}": ${input.slots} × ${fromMicro(input.reward)} USDT`,
    memo: {
      summary: `Task "${input.title.slice(0, 80)}": ${input.slots} × ${fromMicro(input.reward)} USDT`,
    },
  };
}

// ── one acceptance (task review) ─────────────────────────────────────────────────────────────

/**
 * The workflow type registered with Temporal: the name its module exports (checked here), never
 * renamed (recorded histories name it).
 */
export const TASK_REVIEW_WORKFLOW_TYPE = 'taskReviewWorkflow';
/** The workflow function's type (checked against `review.ts` in workflows/contract-checks.ts). */
export type TaskReviewWorkflow = (input: TaskReviewInput) => Promise<TaskReviewState>;

export const TASK_REVIEW_WORKFLOW_KIND = 'task-review';
export const taskReviewWorkflowId = (acceptanceId: string) => `task-review-${acceptanceId}`;

export interface TaskReviewInput {
  taskId: string;
  acceptanceId: string;
  creatorId: string;
  workerId: string;
  /** Reward per slot, micro-USDT; also picks the review window tier. */
  reward: Micro;
  /** How long after acceptance the worker may submit proof. */
  submitWithinMs: number;
  /** Replaces the reward tier's review window (TASK_REVIEW_WINDOW_SECONDS: tests and soaks only). */
  reviewWindowMs?: number;
  /**
   * The workflow writes the acceptance row itself, as its first step (`openAcceptance`, answered
   * through the `acceptanceOpened` update). Absent on acceptances whose row the API wrote before
   * starting the workflow (recorded histories): those skip the step.
   */
  opensAcceptance?: boolean;
}

export type ReviewStatus = 'accepted' | 'submitted' | 'approved' | 'rejected' | 'expired';
export type ReviewDecision = 'approved' | 'auto_approved' | 'rejected' | 'expired';

export interface SubmitProofInput {
  workerId: string;
  proofText: string;
  proofUrl: string | null;
}

export interface DecisionInput {
  /** Who decides; only the task creator may. */
  actorId: string;
  reason: string | null;
}

export interface TaskReviewState {
  taskId: string;
  acceptanceId: string;
  workerId: string;
  status: ReviewStatus;
  submitBy: string;
  submittedAt: string | null;
  reviewDeadline: string | null;
  decision: ReviewDecision | null;
  decidedAt: string | null;
  reason: string | null;
  payoutNet: Micro | null;
  payoutFee: Micro | null;
}

/**
 * Update-with-start: answers once the acceptance row exists (the slot is taken), or fails with the
 * refusal that ended the workflow (task not found 404, own task 403, not open / expired / already
 * accepted / no free slot 409).
 */
export const acceptanceOpenedUpdate = defineUpdate<TaskReviewState>('acceptanceOpened');
export const submitProofUpdate = defineUpdate<TaskReviewState, [SubmitProofInput]>('submitProof');
export const approveSubmissionUpdate = defineUpdate<TaskReviewState, [DecisionInput]>('approveSubmission');
export const rejectSubmissionUpdate = defineUpdate<TaskReviewState, [DecisionInput]>('rejectSubmission');
export const taskReviewStateQuery = defineQuery<TaskReviewState>('taskReviewState');

/** Options of every acceptance's start: search attributes, memo and summary, and the id policies. */
export function taskReviewStartOptions(
  input: TaskReviewInput,
  task: { title: string },
  taskQueue: string,
): StartOptions<TaskReviewWorkflow> {
  return {
    taskQueue,
    workflowId: taskReviewWorkflowId(input.acceptanceId),
    // One acceptance, one review. A keyed retry while it runs asks the same run (its update
    // answers the same slot or the same refusal); after it completed, the start fails and the API
    // answers with the row. A run that ended refused (failed) may run again: a keyed retry is
    // checked afresh, as it was when the API made the checks itself.
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    args: [input],
    typedSearchAttributes: [
      { key: SA.TaskId, value: input.taskId },
      { key: SA.AcceptanceId, value: input.acceptanceId },
      { key: SA.AccountIds, value: [input.creatorId, input.workerId] },
      { key: SA.WorkflowKind, value: TASK_REVIEW_WORKFLOW_KIND },
      { key: SA.BusinessStatus, value: 'accepted' },
      { key: SA.AmountMicro, value: input.reward },
    ],
    staticSummary: `Task "${task.title.slice(0, 60)}": acceptance by ${input.workerId}, reward ${fromMicro(input.reward)} USDT`,
    memo: {
      summary: `Acceptance ${input.acceptanceId} of task "${task.title.slice(0, 80)}" (${input.taskId}) by worker ${input.workerId}; reward ${fromMicro(input.reward)} USDT`,
    },
  };
}
