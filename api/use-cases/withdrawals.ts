/**
 * Withdrawal use-cases (SPEC §4), called by the REST routes, the MCP tool `create_withdrawal` and
 * the operator console. Withdrawals are `withdrawal-<id>` workflows started with
 * update-with-start so the caller learns at once whether the funds were held; an operator's
 * decision is audited (use-cases/operators.ts) before it is sent to the workflow.
 */
import { untilProcessed } from '../workflow-updates';
import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { AppError, ErrorCode, badRequest, conflict, notFound } from '../../domain/errors';
import { deterministicUuid } from '../../domain/ids';
import { TronWeb } from 'tronweb';
import { TronNode } from '../../services/tron-node';
import { addressOfPrivateKey } from '../../services/tron-address';
import { workflowIdOf } from '../../domain/console';
import { fromMicro, toMicro } from '../../domain/money';
import { afterKey } from '../../domain/pagination';
import { withdrawalAmounts } from '../../domain/withdrawal-amounts';
import {
  reviewWithdrawalUpdate,
  withdrawalAcceptedUpdate,
  WITHDRAWAL_WORKFLOW_TYPE,
  type WithdrawalInput,
  type WithdrawalWorkflow,
  withdrawalStartOptions,
  withdrawalWorkflowId,
} from '../../workflows/withdrawal/contract';
import type { Principal } from '../auth';
import { mayCreate } from '../deadline';
import type { ApiDeps } from '../deps';
import type { ListAdminWithdrawalsQuery } from '../schemas/operators';
import type { WithdrawInput, WithdrawResult, WithdrawalView } from '../schemas/withdrawals';
import { findWithdrawal, listWithdrawalsByStatus, type WithdrawalRow } from '../../db/withdrawals';
import {
  type Actor,
  auditOf,
  auditView,
  consoleLink,
  paged,
  refuseUnlessMayDecideMoney,
  settleAudit,
  startAudit,
} from './operators';

const viewOf = (w: WithdrawalRow): WithdrawalView => ({
  withdrawal_id: w.id,
  amount: fromMicro(w.amount),
  fee: fromMicro(w.fee),
  net_amount: fromMicro(w.net_amount),
  currency: 'USDT',
  network: 'trc20',
  address: w.address,
  status: w.status,
  status_reason: w.status_reason,
  review_reasons: w.review_reasons,
  txid: w.txid,
  block_number: w.block_number,
  created_at: w.created_at.toISOString(),
  updated_at: w.updated_at.toISOString(),
});

/**
 * Holds `amount` and starts `withdrawal-<id>` (id derived from the Idempotency-Key). Answers once
 * the workflow has held the funds; a short balance is 402 with nothing held.
 */
export async function createWithdrawal(
  deps: ApiDeps,
  principal: Principal,
  input: WithdrawInput & { idempotency_key: string },
): Promise<WithdrawResult> {
  const { config } = deps;
  const min = toMicro(config.WITHDRAWAL_MIN_USD)!;
  if (input.amount < min) throw badRequest(`amount: must be at least ${fromMicro(min).toFixed(2)}`);
  const amounts = withdrawalAmounts(input.amount, config.WITHDRAWAL_FEE_USD);
  if (amounts.net <= 0) throw badRequest('amount: must be larger than the withdrawal fee');
  // The workflow's hold is a spending posting: postJournal checks the hourly spend cap with it.

  const withdrawalId = deterministicUuid(principal.accountId, 'withdraw', input.idempotency_key);
  const args: WithdrawalInput = {
    withdrawalId,
    accountId: principal.accountId,
    amount: amounts.amount,
    fee: amounts.fee,
    net: amounts.net,
    address: input.address,
    reviewTimeoutMs: config.WITHDRAWAL_REVIEW_TIMEOUT_SECONDS * 1000,
    pollIntervalMs: config.TRON_POLL_INTERVAL_MS,
    fundsRetryMs: config.WITHDRAWAL_FUNDS_RETRY_SECONDS * 1000,
    confirmations: config.TRON_CONFIRMATIONS,
    secondApproverAbove: toMicro(config.REVIEW_SECOND_APPROVER_USDT)!,
  };
  // A with-start operation runs once: a second ask (untilProcessed) needs its own.
  const startWorkflowOperation = () =>
    new WithStartWorkflowOperation<WithdrawalWorkflow>(
      WITHDRAWAL_WORKFLOW_TYPE,
      withdrawalStartOptions(args, config.TEMPORAL_TASK_QUEUE),
    );
  mayCreate({ withdrawal_id: withdrawalId });
  try {
    await untilProcessed(() =>
      deps.temporal.workflow.executeUpdateWithStart(withdrawalAcceptedUpdate, {
        startWorkflowOperation: startWorkflowOperation(),
      }),
    );
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    // The withdrawal of this key already ran to its end; answer with what it was.
  }
  const row = await findWithdrawal(deps.db, withdrawalId);
  if (!row) throw new AppError(ErrorCode.Unavailable, 'withdrawal is not recorded yet, retry');
  return {
    withdrawal_id: withdrawalId,
    amount: fromMicro(row.amount),
    fee: fromMicro(row.fee),
    net_amount: fromMicro(row.net_amount),
    status: 'queued',
  };
}

export async function getWithdrawal(
  deps: ApiDeps,
  principal: Principal,
  input: { id: string },
): Promise<WithdrawalView> {
  const row = await findWithdrawal(deps.db, input.id);
  if (!row || (row.account_id !== principal.accountId && principal.role !== 'admin'))
    throw notFound('withdrawal');
  return viewOf(row);
}

/** Operator decision on a withdrawal in review (approve → it is sent; reject → funds back). */
export async function reviewWithdrawal(
  deps: ApiDeps,
  principal: Principal,
  input: { id: string; approve: boolean; reason?: string },
): Promise<{ withdrawal_id: string; status: WithdrawalView['status']; awaiting_second_approver: boolean }> {
  const row = await findWithdrawal(deps.db, input.id);
  if (!row) throw notFound('withdrawal');
  try {
    const result = await untilProcessed(() =>
      deps.temporal.workflow.getHandle(withdrawalWorkflowId(input.id)).executeUpdate(reviewWithdrawalUpdate, {
        args: [{ approve: input.approve, operatorId: principal.accountId, reason: input.reason }],
      }),
    );
    // Still in review after an approval: it was the first of two (four eyes above the threshold).
    return {
      withdrawal_id: input.id,
      status: result.status,
      awaiting_second_approver: result.status === 'review',
    };
  } catch (err) {
    // A closed workflow takes no updates: the withdrawal already left review.
    if (err instanceof WorkflowNotFoundError) throw conflict(`withdrawal is ${row.status}, not in review`);
    throw err;
  }
}

/** Whether a decision's error is an answer that it was not applied (not a missing answer). */
const decisionRefused = (err: unknown): boolean =>
  err instanceof WorkflowUpdateFailedError || (err instanceof AppError && err.code !== ErrorCode.Timeout);

/**
 * An operator's approve/reject, audited: the entry is written (pending) before the decision is
 * sent to the workflow and settled with its outcome, so no decision goes unrecorded — a refused
 * one included (four eyes: not on an account the operator owns, not with a sign-in token; the
 * workflow refuses a second approval by the operator who gave the first).
 */
export async function decideWithdrawal(
  deps: ApiDeps,
  who: Actor,
  input: { id: string; approve: boolean; reason: string },
) {
  const row = await findWithdrawal(deps.db, input.id);
  if (!row) throw notFound('withdrawal');
  const action = input.approve ? 'withdrawal.approve' : 'withdrawal.reject';
  const auditId = await startAudit(deps, who, action, input.id, input.reason);
  try {
    await refuseUnlessMayDecideMoney(deps, who, row.account_id);
    const result = await reviewWithdrawal(deps, who.principal, input);
    await settleAudit(
      deps,
      auditId,
      'applied',
      result.awaiting_second_approver
        ? 'first approval recorded, awaiting a second operator'
        : `status ${result.status}`,
    );
    return result;
  } catch (err) {
    // Refused only when the answer says so; a decision whose answer did not come (deadline,
    // Temporal unreachable) may be applied yet: unknown, completed later (completeOpenAudits).
    const detail = err instanceof Error ? err.message : String(err);
    await settleAudit(deps, auditId, decisionRefused(err) ? 'refused' : 'unknown', detail);
    throw err;
  }
}

// ---- the operator console's views ----

async function withdrawalViews(deps: ApiDeps, rows: WithdrawalRow[]) {
  const audit = await auditOf(
    deps,
    rows.map((w) => w.id),
  );
  return rows.map((w) => ({
    withdrawal_id: w.id,
    account_id: w.account_id,
    amount: fromMicro(w.amount),
    fee: fromMicro(w.fee),
    net_amount: fromMicro(w.net_amount),
    address: w.address,
    status: w.status,
    status_reason: w.status_reason,
    review_reasons: w.review_reasons,
    decided_by: w.decided_by,
    txid: w.txid,
    created_at: w.created_at.toISOString(),
    updated_at: w.updated_at.toISOString(),
    workflow_id: workflowIdOf.withdrawal(w.id),
    temporal_url: consoleLink(deps, workflowIdOf.withdrawal(w.id)),
    audit: audit.filter((a) => a.subject_id === w.id).map(auditView),
  }));
}

/** The console's list of one status, with each withdrawal's audit and Temporal link. */
export async function listWithdrawalsForOperator(deps: ApiDeps, q: ListAdminWithdrawalsQuery) {
  // A cursor belongs to its status filter: the order of another one would skip rows.
  const list = `admin-withdrawals:${q.status}`;
  const after = afterKey(list, ['time', 'uuid'], q.cursor);
  const rows = await listWithdrawalsByStatus(
    deps.db,
    q.status,
    q.limit + 1,
    after ? { createdAt: String(after[0]), id: String(after[1]) } : undefined,
  );
  const { page, ...info } = paged(rows, q.limit, list, (w) => [w.created_at.toISOString(), w.id]);
  return { withdrawals: await withdrawalViews(deps, page), ...info };
}

/** One withdrawal as the console shows it: any account's, with its audit and Temporal link. */
export async function getWithdrawalForOperator(deps: ApiDeps, id: string) {
  const row = await findWithdrawal(deps.db, id);
  if (!row) throw notFound('withdrawal');
  return (await withdrawalViews(deps, [row]))[0];
}

// ---- the hot wallet that pays withdrawals ----

function hotWalletAddress(deps: ApiDeps): string | undefined {
  if (deps.config.TRON_HOT_WALLET_ADDRESS) return deps.config.TRON_HOT_WALLET_ADDRESS;
  const key = deps.config.TRON_HOT_WALLET_PRIVATE_KEY;
  return key ? addressOfPrivateKey(key) : undefined;
}

export async function hotWallet(deps: ApiDeps) {
  const address = hotWalletAddress(deps);
  const contract = deps.config.TRON_USDT_CONTRACT;
  // Not configured is a state the console shows, not a fault: 200 with no balances.
  if (!address || !contract || !TronWeb.isAddress(address))
    return {
      configured: false as const,
      address: null,
      trx: null,
      usdt: null,
      fee_limit_trx: fromMicro(deps.config.TRON_FEE_LIMIT_SUN),
      checked_at: new Date().toISOString(),
    };
  const node = new TronNode(deps.config);
  try {
    const [trxSun, usdtUnits] = await Promise.all([
      node.trxBalanceSun(address),
      node.tokenBalance(contract, address),
    ]);
    return {
      configured: true as const,
      address,
      trx: fromMicro(trxSun),
      usdt: fromMicro(Number(usdtUnits)),
      fee_limit_trx: fromMicro(deps.config.TRON_FEE_LIMIT_SUN),
      checked_at: new Date().toISOString(),
    };
  } catch (err) {
    throw new AppError(
      ErrorCode.Unavailable,
      'TRON node unreachable: hot wallet balances unknown',
      {},
      { cause: err },
    );
  }
}
