/**
 * Withdrawal amounts: the user asks for `amount`, the platform keeps `fee`, the address receives
 * `net = amount − fee`.
 */
import { type Micro, toMicro } from './money';

export interface WithdrawalAmounts {
  amount: Micro;
  fee: Micro;
  net: Micro;
}

export function withdrawalAmounts(amount: Micro, feeUsd: number): WithdrawalAmounts {
  const fee = toMicro(feeUsd);
  if (fee === null || fee < 0) throw new RangeError('WITHDRAWAL_FEE_USD must have at most 6 decimals');
  return { amount, fee, net: amount - fee };
}
