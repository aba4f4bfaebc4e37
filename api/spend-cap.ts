/**
 * Spend cap (SPEC "Conventions"): an account may set `max_hourly_spend_usd`; a spending operation
 * that would take its spending in the trailing hour above it is refused with 429, Retry-After: 3600.
 * Spending = debits of the account's available balance by journals of the kinds in domain/spend.ts.
 *
 * The binding check is made by postJournal itself for every spending posting (atomically, under the
 * account lock). This is only an early answer: it is not atomic, and it must not run before a
 * keyed posting that may already exist (a retry would be refused for its own earlier spending).
 */
import type { Queryable } from '../db/pool';
import { appErrorWithHeaders } from '../domain/errors';
import { type Micro, toMicro } from '../domain/money';
import { SPEND_CAP_RETRY_AFTER, SPENDING_KINDS } from '../domain/spend';
import { spendCapAndSpent } from '../db/ledger';

export { SPENDING_KINDS };

export async function assertWithinSpendCap(db: Queryable, accountId: string, amount: Micro): Promise<void> {
  const r = await spendCapAndSpent(db, accountId, SPENDING_KINDS);
  const row = r.rows[0];
  if (!row || row.cap === null) return;
  const cap = toMicro(row.cap);
  if (cap !== null && (row.spent ?? 0) + amount > cap) {
    throw appErrorWithHeaders('spend_cap_exceeded', { ...SPEND_CAP_RETRY_AFTER });
  }
}
