/** Wallet: balances, transaction history and operator adjustments. */
import type { z } from 'zod';
import { deterministicUuid } from '../../domain/ids';
import { appError, notFound } from '../../domain/errors';
import { postJournal } from '../../db/ledger';
import { fromMicro, type Micro } from '../../domain/money';
import type { Principal } from '../auth';
import type { ApiDeps } from '../deps';
import type { balanceOutput, transactionsOutput } from '../schemas/accounts';
import { accountExists, adjustmentOf, walletBalancesOf, walletHistoryOf } from '../../db/ledger';

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

/**
 * Newest first, one row per journal touching the caller's accounts. The cursor is the highest
 * entry id of the last row: entry ids only grow, and filtering on the per-journal maximum keeps a
 * journal whole on one page even when concurrent postings interleave their entry ids.
 */
export async function transactions(
  deps: Deps,
  principal: Principal,
  query: { cursor?: string; limit: number },
): Promise<z.infer<typeof transactionsOutput>> {
  const r = await walletHistoryOf(deps.db, principal.accountId, query.cursor ?? null, query.limit + 1);
  const page = r.rows.slice(0, query.limit);
  return {
    transactions: page.map((t) => ({
      id: t.id,
      type: t.kind,
      amount: fromMicro(t.available),
      held_amount: fromMicro(t.held),
      reference: t.reference,
      created_at: t.created_at.toISOString(),
    })),
    next_cursor: r.rows.length > query.limit ? String(page[page.length - 1].seq) : null,
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

export async function adjust(
  deps: Deps,
  operator: Principal,
  input: { account_id: string; amount: Micro; reason: string },
  idempotencyKey: string,
) {
  const exists = await accountExists(deps.db, input.account_id);
  if (!exists.rowCount) throw notFound('account');
  const adjustmentId = deterministicUuid(operator.accountId, 'admin-adjustment', idempotencyKey);
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
