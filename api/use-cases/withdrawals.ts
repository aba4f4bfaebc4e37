/**
 * USDT TRC-20 use-cases (SPEC §4), called by the REST routes and by the MCP tools
 * (`create_deposit` = getDepositAddress, `create_withdrawal` = createWithdrawal).
 * Deposits are found by the watcher workflow; withdrawals are `withdrawal-<id>` workflows started
 * with update-with-start so the caller learns at once whether the funds were held.
 */
import { WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { AppError, appError, ErrorCode, badRequest, conflict, notFound } from '../../domain/errors';
import { deterministicUuid } from '../../domain/ids';
import { fromMicro, toMicro } from '../../domain/money';
import { afterKey, toPage } from '../../domain/pagination';
import { depositAddressDeriver } from '../../activities/tron-address';
import { withdrawalAmounts } from '../../domain/tron-amounts';
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
import type {
  DepositAddressResult,
  ListDepositsInput,
  ListDepositsResult,
  WithdrawInput,
  WithdrawResult,
  WithdrawalView,
} from '../schemas/withdrawals';
import {
  depositAddressOf,
  type DepositRow,
  depositsOf,
  insertDepositAddress,
  nextDepositAddressIndex,
  withdrawalById,
} from '../../db/deposits';

/** One stable address per account: the derivation index is allocated once and stored. */
export async function getDepositAddress(deps: ApiDeps, principal: Principal): Promise<DepositAddressResult> {
  const derive = depositAddressDeriver(deps.config);
  if (!derive) throw appError('deposits_not_configured');
  const existing = await depositAddressOf(deps.db, principal.accountId);
  let address = existing.rows[0]?.address;
  if (!address) {
    const { rows } = await nextDepositAddressIndex(deps.db);
    // A concurrent first call may win; its row stays and this index is simply never used.
    await insertDepositAddress(deps.db, principal.accountId, rows[0].index, derive(rows[0].index));
    address = (await depositAddressOf(deps.db, principal.accountId)).rows[0].address;
  }
  return { address, network: 'trc20', currency: 'USDT' };
}

export async function listDeposits(
  deps: ApiDeps,
  principal: Principal,
  input: ListDepositsInput,
): Promise<ListDepositsResult> {
  const after = afterKey('deposits', ['string', 'string', 'number'], input.cursor);
  const r = await depositsOf<DepositRow>(deps.db, principal.accountId, after, input.offset, input.limit + 1);
  const page = toPage(r.rows, input.limit, 'deposits', (d) => [d.key_time, d.txid, d.log_index]);
  const required = deps.config.TRON_CONFIRMATIONS;
  return {
    deposits: page.items.map((d) => ({
      id: `${d.txid}-${d.log_index}`,
      txid: d.txid,
      log_index: d.log_index,
      address: d.address,
      from_address: d.from_address,
      amount: fromMicro(d.amount),
      currency: 'USDT',
      network: 'trc20',
      block_number: d.block_number,
      confirmations: d.status === 'confirmed' ? Math.max(d.confirmations, required) : d.confirmations,
      required_confirmations: required,
      status: d.status,
      created_at: d.created_at.toISOString(),
      credited_at: d.credited_at?.toISOString() ?? null,
    })),
    limit: input.limit,
    offset: input.offset,
    next_cursor: page.next_cursor,
    has_more: page.has_more,
  };
}

interface WithdrawalRow {
  id: string;
  account_id: string;
  amount: number;
  fee: number;
  net_amount: number;
  address: string;
  status: WithdrawalView['status'];
  status_reason: string | null;
  review_reasons: string[];
  txid: string | null;
  block_number: number | null;
  created_at: Date;
  updated_at: Date;
}

async function findWithdrawal(deps: ApiDeps, id: string): Promise<WithdrawalRow | undefined> {
  const r = await withdrawalById<WithdrawalRow>(deps.db, id);
  return r.rows[0];
}

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
  };
  const startWorkflowOperation = new WithStartWorkflowOperation<WithdrawalWorkflow>(
    WITHDRAWAL_WORKFLOW_TYPE,
    withdrawalStartOptions(args, config.TEMPORAL_TASK_QUEUE),
  );
  mayCreate({ withdrawal_id: withdrawalId });
  try {
    await deps.temporal.workflow.executeUpdateWithStart(withdrawalAcceptedUpdate, { startWorkflowOperation });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    // The withdrawal of this key already ran to its end; answer with what it was.
  }
  const row = await findWithdrawal(deps, withdrawalId);
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
  const row = await findWithdrawal(deps, input.id);
  if (!row || (row.account_id !== principal.accountId && principal.role !== 'admin'))
    throw notFound('withdrawal');
  return viewOf(row);
}

/** Operator decision on a withdrawal in review (approve → it is sent; reject → funds back). */
export async function reviewWithdrawal(
  deps: ApiDeps,
  principal: Principal,
  input: { id: string; approve: boolean; reason?: string },
): Promise<{ withdrawal_id: string; status: WithdrawalView['status'] }> {
  const row = await findWithdrawal(deps, input.id);
  if (!row) throw notFound('withdrawal');
  try {
    const result = await deps.temporal.workflow
      .getHandle(withdrawalWorkflowId(input.id))
      .executeUpdate(reviewWithdrawalUpdate, {
        args: [{ approve: input.approve, operatorId: principal.accountId, reason: input.reason }],
      });
    return { withdrawal_id: input.id, status: result.status };
  } catch (err) {
    // A closed workflow takes no updates: the withdrawal already left review.
    if (err instanceof WorkflowNotFoundError) throw conflict(`withdrawal is ${row.status}, not in review`);
    throw err;
  }
}
