/**
 * Four eyes on money (issue 24.1): who may decide a withdrawal in review or adjust a balance.
 * Pure: each answers the refusal's error code, or null. The second approver of a large
 * withdrawal is decided by the withdrawal workflow itself (workflows/withdrawal/state.ts), which
 * alone knows the approvals already given.
 */
import type { FixedTextCode } from './error-texts';

/** How the operator reached the API: the console's session, or a credential header. */
export interface MoneyDecider {
  accountId: string;
  /** The credential the request (or the console session) was authenticated with. */
  via: 'api_key' | 'jwt' | 'admin_key';
  /** Whether the request came through an operator console session (cookie + CSRF token). */
  viaConsole: boolean;
}

/** The account whose money is decided: its id and, for a bot, the person who owns it. */
export interface MoneySubject {
  accountId: string;
  ownerId: string | null;
}

/**
 * Money is decided only from the console's session or with the admin key. A bearer token from an
 * email + password sign-in (or an API key such a token can mint) is refused: it is handed to
 * scripts, lives an hour, cannot be revoked, and one stolen password would otherwise be enough.
 */
export function mayDecideMoneyWith(decider: Pick<MoneyDecider, 'via' | 'viaConsole'>): FixedTextCode | null {
  if (decider.viaConsole || decider.via === 'admin_key') return null;
  return 'money_needs_console_or_admin_key';
}

/** Nobody decides on money of an account they own: their own, or one of their bots. */
export function mayDecideMoneyOf(
  decider: Pick<MoneyDecider, 'accountId'>,
  subject: MoneySubject,
): FixedTextCode | null {
  if (subject.accountId === decider.accountId || subject.ownerId === decider.accountId)
    return 'own_account_money';
  return null;
}

/** Both rules, the credential first: what an operator's approve, reject or adjustment must pass. */
export const moneyDecisionRefusal = (decider: MoneyDecider, subject: MoneySubject): FixedTextCode | null =>
  mayDecideMoneyWith(decider) ?? mayDecideMoneyOf(decider, subject);
