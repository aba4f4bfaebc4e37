/** Withdrawal amounts and the review rule (domain/withdrawal-amounts.ts, withdrawal-risk.ts), and token units → micro-USDT. */
import { microFromTokenUnits } from '../../domain/money';
import { withdrawalAmounts } from '../../domain/withdrawal-amounts';
import { reviewReasons } from '../../domain/withdrawal-risk';

describe('withdrawal amounts and risk rules', () => {
  it('charges the fee out of the amount: 25.00 → fee 1.50, net 23.50', () => {
    expect(withdrawalAmounts(25_000_000, 1.5)).toEqual({
      amount: 25_000_000,
      fee: 1_500_000,
      net: 23_500_000,
    });
  });

  it('refuses token amounts that do not fit a micro-USDT number', () => {
    expect(microFromTokenUnits(0n)).toBeNull();
    expect(microFromTokenUnits(10n ** 30n)).toBeNull();
    expect(microFromTokenUnits(1n)).toBe(1);
  });

  const rules = { reviewAboveMicro: 1000_000_000, reviewNewAddress: true, velocityPer24h: 3 };
  it('sends large amounts, new addresses and high velocity to review', () => {
    expect(reviewReasons(rules, { amount: 1000_000_001, previousToAddress: 1, recentCount: 0 })).toEqual([
      'large_amount',
    ]);
    expect(reviewReasons(rules, { amount: 25_000_000, previousToAddress: 0, recentCount: 0 })).toEqual([
      'new_address',
    ]);
    expect(reviewReasons(rules, { amount: 25_000_000, previousToAddress: 2, recentCount: 3 })).toEqual([
      'velocity',
    ]);
    expect(reviewReasons(rules, { amount: 1000_000_000, previousToAddress: 2, recentCount: 2 })).toEqual([]);
  });
});
