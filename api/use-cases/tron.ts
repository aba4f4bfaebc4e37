/**
 * USDT TRC-20 use-cases (SPEC §4), called by the REST routes and by the MCP tools
 * (`create_deposit` = getDepositAddress, `create_withdrawal` = createWithdrawal).
 * Deposits are found by the watcher workflow; withdrawals are `withdrawal-<id>` workflows started
 * with update-with-start so the caller learns at once whether the funds were held.
 */
import { WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { AppError, ErrorCode, badRequest, conflict, notFound } from '../../domain/errors';
import { deterministicUuid } from '../../domain/ids';
import { fromMicro, toMicro } from '../../domain/money';
import { afterKey, toPage } from '../../domain/pagination';
import { depositsPage } from '../../db/tron';
import { SA } from '../../domain/search-attributes';
import { depositAddressDeriver } from '../../domain/tron-address';
import { withdrawalAmounts } from '../../domain/tron-amounts';
import {
  reviewWithdrawalUpdate,
  withdrawalAcceptedUpdate,
  withdrawalWorkflow,
  withdrawalWorkflowId,
  type WithdrawalInput,
} from '../../workflows/withdrawal';
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
} from '../schemas/tron';

/** One stable address per account: the derivation index is allocated once and stored. */
export async function getDepositAddress(deps: ApiDeps, principal: Principal): Promise<DepositAddressResult> {
  const derive = depositAddressDeriver(deps.config);
  if (!derive) throw new AppError(ErrorCode.Unavailable, 'deposits are not configured on this server');
  const existing = await deps.db.query<{ address: string }>(
    'SELECT address FROM deposit_addresses WHERE account_id = $1',
    [principal.accountId],
  );
  let address = existing.rows[0]?.address;
  if (!address) {
    const { rows } = await deps.db.query<{ index: number }>(
      `SELECT nextval('deposit_address_index_seq')::int AS index`,
    );
    // A concurrent first call may win; its row stays and this index is simply never used.
    await deps.db.query(
      `INSERT INTO deposit_addresses (account_id, derivation_index, address) VALUES ($1, $2, $3)
       ON CONFLICT (account_id) DO NOTHING`,
      [principal.accountId, rows[0].index, derive(rows[0].index)],
    );
    address = (
      await deps.db.query<{ address: string }>(
        'SELECT address FROM deposit_addresses WHERE account_id = $1',
        [principal.accountId],
      )
    ).rows[0].address;
  }
  return { address, network: 'trc20', currency: 'USDT' };
}

export async function listDeposits(
  deps: ApiDeps,
  principal: Principal,
  input: ListDepositsInput,
): Promise<ListDepositsResult> {
  const after = afterKey('deposits', ['string', 'string', 'number'], input.cursor);
  const rows = await depositsPage(deps.db, principal.accountId, after, input.offset, input.limit + 1);
  const page = toPage(rows, input.limit, 'deposits', (d) => [d.key_time, d.txid, d.log_index]);
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
  const r = await deps.db.query<WithdrawalRow>('SELECT * FROM withdrawals WHERE id = $1', [id]);
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
  const startWorkflowOperation = new WithStartWorkflowOperation(withdrawalWorkflow, {
    workflowId: withdrawalWorkflowId(withdrawalId),
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    args: [args],
    // A running withdrawal answers again; a completed one is never run twice; a failed hold
    // (402) may be retried with the same key once the account is funded.
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
    memo: {
      summary: `withdraw ${fromMicro(amounts.amount)} USDT (net ${fromMicro(amounts.net)}) to ${input.address}`,
    },
    typedSearchAttributes: [
      { key: SA.WorkflowKind, value: 'withdrawal' },
      { key: SA.BusinessStatus, value: 'queued' },
      { key: SA.SubjectId, value: withdrawalId },
      { key: SA.AccountIds, value: [principal.accountId] },
      { key: SA.AmountMicro, value: amounts.amount },
    ],
    staticSummary: `Withdrawal of ${fromMicro(amounts.amount)} USDT (net ${fromMicro(amounts.net)}) to ${input.address}`,
  });
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
