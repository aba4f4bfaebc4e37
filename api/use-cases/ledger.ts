/** Ledger: the caller's balances and transaction history (the wallet endpoints), operator adjustments. */
import type { z } from 'zod';
import { deterministicUuid } from '../../domain/ids';
import { AppError, appError, ErrorCode, notFound } from '../../domain/errors';
import { postJournal } from '../../db/ledger';
import { fromMicro, MAX_MICRO, type Micro } from '../../domain/money';
import { afterKey, toPage } from '../../domain/pagination';
import { lockAccount } from '../../db/accounts';
import { type Db, type DbClient, type Queryable, withTransaction } from '../../db/transaction';
import type { Principal } from '../auth';
import type { ApiDeps } from '../deps';
import { type Actor, refuseUnlessMayDecideMoney, settleAudit, startAudit } from './operators';
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
  const after = afterKey('transactions', ['bigint'], query.cursor);
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
 * Run it on the transaction that holds the account lock and posts the credit (see adjust).
 */
async function assertCreditFits(tx: Queryable, accountId: string, amount: Micro, adjustmentId: string) {
  const r = await totalAndPostedOf(tx, accountId, `adjustment:${adjustmentId}`);
  const { total, posted } = r.rows[0];
  if (!posted && total + amount > MAX_MICRO)
    throw new AppError(
      ErrorCode.Validation,
      `amount: the balance would exceed ${MAX_MICRO / 1_000_000} USDT, the most an account can hold`,
    );
}

/** One adjustment per operator and Idempotency-Key. */
const adjustmentIdOf = (operator: Principal, idempotencyKey: string) =>
  deterministicUuid(operator.accountId, 'admin-adjustment', idempotencyKey);
/** The ledger reference of an adjustment's journal (what completes its audit entry). */
const adjustmentReference = (adjustmentId: string) => `adjustment:${adjustmentId}`;

export async function adjust(
  deps: Deps,
  operator: Principal,
  input: { account_id: string; amount: Micro; reason: string },
  idempotencyKey: string,
) {
  const exists = await accountExists(deps.db, input.account_id);
  if (!exists.rowCount) throw notFound('account');
  const adjustmentId = adjustmentIdOf(operator, idempotencyKey);
  const post = (db: Db | DbClient) =>
    postJournal(db, {
      idempotencyKey: `adjustment:${adjustmentId}`,
      kind: 'adjustment',
      reference: adjustmentReference(adjustmentId),
      memo: { reason: input.reason, operator_id: operator.accountId, via: operator.via },
      lines: [
        { account: { ownerId: null, purpose: 'adjustments' }, amount: -input.amount },
        { account: { ownerId: input.account_id, purpose: 'available' }, amount: input.amount },
      ],
    });
  // A credit's ceiling check and its posting are one transaction under the account lock: two
  // concurrent credits cannot both read the balance before either posts (issue 24). A debit needs
  // no lock: the ledger itself refuses a negative balance.
  const posted =
    input.amount > 0
      ? await withTransaction(deps.db, async (tx) => {
          await lockAccount(tx, input.account_id);
          await assertCreditFits(tx, input.account_id, input.amount, adjustmentId);
          return post(tx);
        })
      : await post(deps.db);
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

/**
 * An operator's adjustment as the admin route makes it: recorded in admin_audit (pending before,
 * applied or refused after, as every operator decision) and refused (403) on an account the
 * operator owns or with a sign-in token (domain/money-permissions.ts). An unknown account is 404
 * before anything is recorded.
 */
export async function auditedAdjust(
  deps: ApiDeps,
  who: Actor,
  input: { account_id: string; amount: Micro; reason: string },
  idempotencyKey: string,
) {
  if (!(await accountExists(deps.db, input.account_id)).rowCount) throw notFound('account');
  const action = input.amount > 0 ? 'adjustment.credit' : 'adjustment.debit';
  const auditId = await startAudit(
    deps,
    who,
    action,
    input.account_id,
    input.reason,
    adjustmentReference(adjustmentIdOf(who.principal, idempotencyKey)),
  );
  try {
    await refuseUnlessMayDecideMoney(deps, who, input.account_id);
    const done = await adjust(deps, who.principal, input, idempotencyKey);
    await settleAudit(deps, auditId, 'applied', `${done.amount} USDT, journal ${done.journal_id}`);
    return done;
  } catch (err) {
    await settleAudit(deps, auditId, 'refused', err instanceof Error ? err.message : String(err));
    throw err;
  }
}
