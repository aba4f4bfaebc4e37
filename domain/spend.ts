/**
 * What counts as spending for the hourly spend cap (`max_hourly_spend_usd`, SPEC "Conventions"):
 * the debits of an account's available balance by journals of these kinds — a rental hold, a
 * rental extension, a task's escrow, a withdrawal hold. Refunds do not give spending back.
 * postJournal checks the cap for these kinds atomically with the posting (ledger_post_spend,
 * migration 7200), so every path that spends is capped wherever its posting runs.
 */
import { errorText } from './error-texts';
import type { PostingLine } from './ledger';

export const SPENDING_KINDS = [
  'rental_hold',
  'rental_extend',
  'task_escrow',
  'withdrawal_hold',
  'service_order_escrow',
];

export const SPEND_CAP_SQLSTATE = 'AR429';
export const SPEND_CAP_MESSAGE = errorText('spend_cap_exceeded');
export const SPEND_CAP_RETRY_AFTER = { 'Retry-After': '3600' };

/** Who spends how much in a posting of a spending kind: the debit of a user's available balance. */
export function spendOf(kind: string, lines: PostingLine[]): { spender: string; amount: number } | undefined {
  if (!SPENDING_KINDS.includes(kind)) return undefined;
  const spender = lines.find((l) => l.account.purpose === 'available' && l.account.ownerId && l.amount < 0)
    ?.account.ownerId;
  if (!spender) return undefined;
  const amount = lines
    .filter((l) => l.account.purpose === 'available' && l.account.ownerId === spender)
    .reduce((sum, l) => sum - l.amount, 0);
  return amount > 0 ? { spender, amount } : undefined;
}
