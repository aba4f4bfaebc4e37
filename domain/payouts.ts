import { bpsOf, type Micro } from './money';

export interface PayoutSplit {
  net: Micro;
  fee: Micro;
  /** Part of `fee` that goes to the earner's referrer (0 when none). */
  referralCommission: Micro;
}

/** gross → net to the earner + platform fee (rounded down), and the referrer's share of that fee. */
export function splitPayout(gross: Micro, feeBps: number, referralShareBps: number): PayoutSplit {
  const fee = bpsOf(gross, feeBps);
  return { net: gross - fee, fee, referralCommission: bpsOf(fee, referralShareBps) };
}
