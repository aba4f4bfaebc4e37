/**
 * The contract of a USDT withdrawal (`withdrawal-<id>`): ids, messages, input and view types and
 * the start options of its update-with-start. Importable by workflow code and clients alike.
 *
 * Task queue: the platform's one queue (TEMPORAL_TASK_QUEUE), passed in by the starter.
 */
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { WithdrawalRequest, WithdrawalStatus } from '../../domain/withdrawals';
import { fromMicro } from '../../domain/money';
import { SA } from '../../domain/search-attributes';
import type { StartOptions } from '../contract-types';

/**
 * The workflow type registered with Temporal: the name its module exports (checked here), never
 * renamed (recorded histories name it).
 */
export const WITHDRAWAL_WORKFLOW_TYPE = 'withdrawalWorkflow';
/** The workflow function's type (checked against `workflow.ts` in workflows/contract-checks.ts). */
export type WithdrawalWorkflow = (input: WithdrawalInput) => Promise<WithdrawalSnapshot>;

export const withdrawalWorkflowId = (id: string) => `withdrawal-${id}`;

export interface WithdrawalInput extends WithdrawalRequest {
  reviewTimeoutMs: number;
  pollIntervalMs: number;
  fundsRetryMs: number;
  confirmations: number;
  /**
   * Four eyes: approving a reviewed withdrawal of more than this (micro-USDT) needs two different
   * operators. Unset (withdrawals started before it existed): one approval decides.
   */
  secondApproverAbove?: number;
  /** Continue-as-new once the history has this many events (or when the server suggests it). */
  historyLimit?: number;
  /** Set by continue-as-new: the funds are held and reviewed; the send goes on from here. */
  carried?: WithdrawalCarried;
}

export interface WithdrawalCarried {
  status: WithdrawalStatus;
  reason: string | null;
  attempt: number;
  txid: string | null;
  /** Agreeing `expired` answers for this attempt so far, and the solidified height of the last. */
  expiredAnswers: number;
  lastExpiredSolidified: number;
}

export interface WithdrawalAccepted {
  withdrawalId: string;
  status: WithdrawalStatus;
}

export interface WithdrawalDecision {
  approve: boolean;
  operatorId: string;
  reason?: string;
}

export interface WithdrawalSnapshot {
  status: WithdrawalStatus;
  /** Where the sending phase is: signing, broadcasting, ambiguous (sent, outcome unknown) … */
  phase: string;
  attempt: number;
  txid: string | null;
  reason: string | null;
  /** Operators whose approval is recorded while a second, different one is awaited. */
  approvedBy?: string[];
}

/** Resolves once the funds are held (the API's answer), or fails with the hold's error (402). */
export const withdrawalAcceptedUpdate = defineUpdate<WithdrawalAccepted>('accepted');
/**
 * Operator decision while in review; rejected with 409 in any other state. An approval that needs
 * a second operator is recorded and answered with status `review` and `approvedBy`; the same
 * operator approving again is refused (`second_approver_required`).
 */
export const reviewWithdrawalUpdate = defineUpdate<WithdrawalSnapshot, [WithdrawalDecision]>('review');
export const withdrawalStatusQuery = defineQuery<WithdrawalSnapshot>('status');

/** Options of every withdrawal start: search attributes, memo and summary, and the id policies. */
export function withdrawalStartOptions(
  input: WithdrawalInput,
  taskQueue: string,
): StartOptions<WithdrawalWorkflow> {
  return {
    workflowId: withdrawalWorkflowId(input.withdrawalId),
    taskQueue,
    args: [input],
    // A running withdrawal answers again; a completed one is never run twice; a failed hold
    // (402) may be retried with the same key once the account is funded.
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
    memo: {
      summary: `withdraw ${fromMicro(input.amount)} USDT (net ${fromMicro(input.net)}) to ${input.address}`,
    },
    typedSearchAttributes: [
      { key: SA.WorkflowKind, value: 'withdrawal' },
      { key: SA.BusinessStatus, value: 'queued' },
      { key: SA.SubjectId, value: input.withdrawalId },
      { key: SA.AccountIds, value: [input.accountId] },
      { key: SA.AmountMicro, value: input.amount },
    ],
    staticSummary: `Withdrawal of ${fromMicro(input.amount)} USDT (net ${fromMicro(input.net)}) to ${input.address}`,
  };
}
