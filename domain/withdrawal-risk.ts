/**
 * Withdrawal risk rules: which reasons (if any) send a withdrawal to operator review. Pure; the
 * facts (history of the account) are read by the activity that calls it.
 */
import type { Micro } from './money';

export interface RiskRules {
  /** Amounts strictly above this (micro-USDT) need review. */
  reviewAboveMicro: Micro;
  /**
   * A withdrawal to an address the account has no confirmed withdrawal to needs review (also
   * while an earlier one to it is still queued, in review or waiting).
   */
  reviewNewAddress: boolean;
  /** More than this many withdrawals in 24 h, this one included, need review. */
  velocityPer24h: number;
}

export interface RiskFacts {
  amount: Micro;
  /**
   * Earlier CONFIRMED withdrawals of this account to the same address: only these make it known
   * (queued, in review or waiting ones do not).
   */
  previousToAddress: number;
  /** Withdrawals of this account in the trailing 24 h or still in flight, not counting this one. */
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
