/**
 * Withdrawal risk rules: which reasons (if any) send a withdrawal to operator review. Pure; the
 * facts (history of the account) are read by the activity that calls it.
 */
import type { Micro } from './money';

export interface RiskRules {
  /** Amounts strictly above this (micro-USDT) need review. */
  reviewAboveMicro: Micro;
  /** The first withdrawal of an account to an address needs review. */
  reviewNewAddress: boolean;
  /** More than this many withdrawals in 24 h, this one included, need review. */
  velocityPer24h: number;
}

export interface RiskFacts {
  amount: Micro;
  /** Earlier withdrawals of this account to the same address (any status but rejected/failed). */
  previousToAddress: number;
  /** Withdrawals of this account in the trailing 24 h, not counting this one. */
  recentCount: number;
}

export type ReviewReason = 'large_amount' | 'new_address' | 'velocity';

export function reviewReasons(rules: RiskRules, facts: RiskFacts): ReviewReason[] {
  const reasons: ReviewReason[] = [];
  if (facts.amount > rules.reviewAboveMicro) reasons.push('large_amount');
  if (rules.reviewNewAddress && facts.previousToAddress === 0) reasons.push('new_address');
  if (facts.recentCount + 1 > rules.velocityPer24h) reasons.push('velocity');
  return reasons;
}
