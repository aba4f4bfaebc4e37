/**
 * Withdrawal amounts: the user asks for `amount`, the platform keeps `fee`, the address receives
 * `net = amount − fee`. USDT TRC-20 has 6 decimals, so on-chain token units are micro-USDT.
 */
import { MAX_MICRO, type Micro, toMicro } from './money';

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

/** Token units (bigint from a log) → micro-USDT, refusing anything outside the safe range. */
export function microFromTokenUnits(units: bigint): Micro | null {
  return units > 0n && units <= BigInt(MAX_MICRO) ? Number(units) : null;
}
