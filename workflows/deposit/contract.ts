/**
 * The contract of deposits: one `deposit-<txid>-<log_index>` workflow per USDT transfer in, and the
 * platform's one deposit watcher (id TRON_DEPOSIT_WATCHER_ID) that starts them and signals them
 * when their block is solidified. Ids, messages, input and view types and the start options of
 * both. Importable by workflow code and clients alike.
 *
 * Task queue: the platform's one queue (TEMPORAL_TASK_QUEUE), passed in by the starter.
 */
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { DepositCandidate } from '../../domain/deposits';
import { SA } from '../../domain/search-attributes';
import type { StartOptions } from '../contract-types';

// ── one deposit ──────────────────────────────────────────────────────────────────────────────

/**
 * The workflow type registered with Temporal: the name its module exports (checked here), never
 * renamed (recorded histories name it).
 */
export const DEPOSIT_WORKFLOW_TYPE = 'depositWorkflow';
/** The workflow function's type (checked against `workflow.ts` in workflows/contract-checks.ts). */
export type DepositWorkflow = (input: DepositWorkflowInput) => Promise<DepositOutcome>;

export interface DepositWorkflowInput {
  deposit: DepositCandidate;
  /** The chain's block interval; the fallback poll is a few of them. */
  pollIntervalMs: number;
  /** Confirmations required on top of the block (besides being solidified). */
  confirmations: number;
  /** Continue-as-new once the history has this many events (or when the server suggests it). */
  historyLimit?: number;
  /** Set by continue-as-new: what the previous run knew (the deposit row is already recorded). */
  carried?: DepositCarried;
}

export interface DepositCarried {
  confirmations: number;
  signalledSolidified: number;
  misses: number;
  lastMissSolidified: number;
}

export type DepositOutcome = 'confirmed' | 'dropped' | 'failed';

export const depositWorkflowId = (txid: string, logIndex: number) => `deposit-${txid}-${logIndex}`;

export const depositStatusQuery = defineQuery<{ status: string; confirmations: number }>('depositStatus');

/** From the watcher: the chain's solidified height reached `solidified` (≥ this deposit's block). */
export const depositSolidifiedSignal = defineSignal<[{ solidified: number }]>('depositSolidified');

/** Options of every deposit start: search attributes, memo and summary, and the id policies. */
export function depositStartOptions(
  input: DepositWorkflowInput,
  taskQueue: string,
): StartOptions<DepositWorkflow> {
  const c = input.deposit;
  return {
    workflowId: depositWorkflowId(c.txid, c.logIndex),
    taskQueue,
    args: [input],
    // The id is the business key and a closed deposit is never started again, so a rescan
    // (reorg, continue-as-new, retry) adds nothing.
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    memo: { summary: `USDT deposit ${c.amount / 1e6} to ${c.address} (tx ${c.txid}#${c.logIndex})` },
    typedSearchAttributes: [
      { key: SA.WorkflowKind, value: 'deposit' },
      { key: SA.BusinessStatus, value: 'pending' },
      { key: SA.SubjectId, value: `${c.txid}-${c.logIndex}` },
      { key: SA.AccountIds, value: [c.accountId] },
      { key: SA.AmountMicro, value: c.amount },
    ],
    staticSummary: `Deposit of ${c.amount / 1e6} USDT to ${c.address}`,
  };
}

// ── the deposit watcher ──────────────────────────────────────────────────────────────────────

/**
 * The workflow type registered with Temporal: the name its module exports (checked here), never
 * renamed (recorded histories name it).
 */
export const DEPOSIT_WATCHER_WORKFLOW_TYPE = 'depositWatcherWorkflow';
/** The workflow function's type (checked against `watcher.ts` in workflows/contract-checks.ts). */
export type DepositWatcherWorkflow = (input: DepositWatcherInput) => Promise<never>;

export interface DepositWatcherInput {
  /** Next block to scan; unset on a brand-new watcher = start at startBlock or the head. */
  nextBlock?: number;
  /** Block id of nextBlock − 1, to detect that the chain changed under the cursor. */
  lastBlockId?: string;
  startBlock?: number;
  pollIntervalMs: number;
  blocksPerRun: number;
  /**
   * Continue-as-new also once the history has this many events (a stalled chain scans no blocks),
   * besides when the server suggests it.
   */
  historyLimit?: number;
}

export interface WatcherCursor {
  nextBlock: number | null;
  lastBlockId: string | null;
  scannedThisRun: number;
  depositsStarted: number;
  /** Solidified height the pending deposits were last signalled for (this run). */
  notifiedSolidified: number | null;
}

export const depositWatcherCursorQuery = defineQuery<WatcherCursor>('cursor');

/**
 * Options of every watcher start. `watcherId` is TRON_DEPOSIT_WATCHER_ID (one watcher per
 * platform); `fullHost` the node it follows, shown in its summary.
 */
export function depositWatcherStartOptions(
  input: DepositWatcherInput,
  on: { watcherId: string; taskQueue: string; fullHost: string },
): StartOptions<DepositWatcherWorkflow> {
  return {
    workflowId: on.watcherId,
    taskQueue: on.taskQueue,
    args: [input],
    // Already running (any worker started it) → keep that one and its cursor.
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    memo: { summary: `USDT deposit watcher on ${on.fullHost}` },
    staticSummary: `USDT deposit watcher on ${on.fullHost}`,
    typedSearchAttributes: [
      { key: SA.WorkflowKind, value: 'deposit-watcher' },
      { key: SA.BusinessStatus, value: 'watching' },
    ],
  };
}
