/** Ledger: the caller's balances and transaction history (the wallet endpoints), operator adjustments. */
import type { z } from 'zod';
import { deterministicUuid } from '../../domain/ids';
import { AppError, appError, ErrorCode, notFound } from '../../domain/errors';
import { postJournal } from '../../db/ledger';
import { fromMicro, MAX_MICRO, type Micro } from '../../domain/money';
import { afterKey, toPage } from '../../domain/pagination';
import type { Principal } from '../auth';
import type { ApiDeps } from '../deps';
import type { balanceOutput, transactionsOutput } from '../schemas/ledger';
import {
  accountExists,
  adjustmentOf,
  totalAndPostedOf,
  walletBalancesOf,
  walletHistoryOf,
} from '../../db/ledger';

type Deps = Pick<ApiDeps, 'db' | 'config'>;

/** held_balance = funds held for withdrawals + escrow of the caller's rentals and tasks. */
export async function balance(deps: Deps, accountId: string): Promise<z.infer<typeof balanceOutput>> {
  const r = await walletBalancesOf(deps.db, accountId);
  const { available, held } = r.rows[0];
  return {
    available_balance: fromMicro(available),
    held_balance: fromMicro(held),
    total_balance: fromMicro(available + held),
    currency: 'USDT',
  };
}

/** Newest first, one row per journal touching the caller's accounts (db/ledger.ts walletHistoryOf). */
export async function transactions(
  deps: Deps,
  principal: Principal,
  query: { cursor?: string; limit: number },
): Promise<z.infer<typeof transactionsOutput>> {
  const after = afterKey('transactions', ['number'], query.cursor);
  const r = await walletHistoryOf(
    deps.db,
    principal.accountId,
    (after?.[0] as number) ?? null,
    query.limit + 1,
  );
  const page = toPage(r.rows, query.limit, 'transactions', (t) => [t.seq]);
  return {
    transactions: page.items.map((t) => ({
      id: t.id,
      type: t.kind,
      amount: fromMicro(t.available),
      held_amount: fromMicro(t.held),
      reference: t.reference,
      created_at: t.created_at.toISOString(),
    })),
    next_cursor: page.next_cursor,
    has_more: page.has_more,
  };
}

/**
 * Operator credit (amount > 0, from the platform `adjustments` account) or debit (amount < 0, 402
 * when it exceeds the available balance). Audited in the journal memo: operator and reason. The
 * journal key derives from the request's Idempotency-Key, so a retry posts nothing twice.
 */
async function assertSameAdjustment(
  deps: Deps,
  journalId: string,
  input: { account_id: string; amount: Micro; reason: string },
): Promise<void> {
  const r = await adjustmentOf(deps.db, journalId);
  const original = r.rows[0];
  if (
    !original ||
    original.owner_id !== input.account_id ||
    original.amount !== input.amount ||
    original.reason !== input.reason
  ) {
    throw appError('idempotency_mismatch');
  }
}

/**
 * A credit must leave the account's total within the largest amount the API can state
 * (MAX_MICRO): beyond it every balance read would fail. A replay of a posted credit passes.
 */
async function assertCreditFits(deps: Deps, accountId: string, amount: Micro, adjustmentId: string) {
  const r = await totalAndPostedOf(deps.db, accountId, `adjustment:${adjustmentId}`);
  const { total, posted } = r.rows[0];
  if (!posted && total + amount > MAX_MICRO)
    throw new AppError(
      ErrorCode.Validation,
      `amount: the balance would exceed ${MAX_MICRO / 1_000_000} USDT, the most an account can hold`,
    );
}

export async function adjust(
  deps: Deps,
  operator: Principal,
  input: { account_id: string; amount: Micro; reason: string },
  idempotencyKey: string,
) {
  const exists = await accountExists(deps.db, input.account_id);
  if (!exists.rowCount) throw notFound('account');
  const adjustmentId = deterministicUuid(operator.accountId, 'admin-adjustment', idempotencyKey);
  if (input.amount > 0) await assertCreditFits(deps, input.account_id, input.amount, adjustmentId);
  const posted = await postJournal(deps.db, {
    idempotencyKey: `adjustment:${adjustmentId}`,
    kind: 'adjustment',
    reference: `adjustment:${adjustmentId}`,
    memo: { reason: input.reason, operator_id: operator.accountId, via: operator.via },
    lines: [
      { account: { ownerId: null, purpose: 'adjustments' }, amount: -input.amount },
      { account: { ownerId: input.account_id, purpose: 'available' }, amount: input.amount },
    ],
  });
  // The key was used before (its Idempotency-Key record may have been purged since): the same
  // adjustment again is a replay; anything else must not be reported as if it had been posted.
  if (!posted.created) await assertSameAdjustment(deps, posted.journalId, input);
  return {
    id: adjustmentId,
    journal_id: posted.journalId,
    account_id: input.account_id,
    amount: fromMicro(input.amount),
    reason: input.reason,
    balance: await balance(deps, input.account_id),
  };
}
