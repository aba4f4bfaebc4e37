import fc from 'fast-check';
import { bpsOf, fromMicro, MAX_MICRO, times, toMicro } from '../../domain/money';

describe('money', () => {
  it('converts decimals to integer micro-USDT exactly', () => {
    expect(toMicro(25)).toBe(25_000_000);
    expect(toMicro(25.5)).toBe(25_500_000);
    expect(toMicro(1.5)).toBe(1_500_000);
    expect(toMicro(0.1)).toBe(100_000);
    expect(toMicro(0.000001)).toBe(1);
    expect(toMicro(19.99)).toBe(19_990_000);
  });

  it('rejects amounts with 7 decimals', () => {
    expect(toMicro(0.0000001)).toBeNull();
    expect(toMicro(1.1234567)).toBeNull();
  });

  it('rejects NaN, infinities and amounts beyond the supported range', () => {
    expect(toMicro(Number.NaN)).toBeNull();
    expect(toMicro(Number.POSITIVE_INFINITY)).toBeNull();
    expect(toMicro(MAX_MICRO / 1_000_000 + 1)).toBeNull();
  });

  it('keeps the sign of negative amounts (debits)', () => {
    expect(toMicro(-1.5)).toBe(-1_500_000);
    expect(fromMicro(-1_500_000)).toBe(-1.5);
  });

  it('converts micro-USDT back to the shortest decimal', () => {
    expect(fromMicro(25_500_000)).toBe(25.5);
    expect(fromMicro(1)).toBe(0.000001);
    expect(fromMicro(0)).toBe(0);
  });

  it('round-trips every amount with at most 6 decimals', () => {
    fc.assert(
      fc.property(fc.integer({ min: -MAX_MICRO, max: MAX_MICRO }), (micro) => {
        expect(toMicro(fromMicro(micro))).toBe(micro);
      }),
    );
  });

  it('rounds basis points down to the micro (never pays out a fraction)', () => {
    expect(bpsOf(1_000_000, 1000)).toBe(100_000); // 10% of 1 USDT
    expect(bpsOf(999_999, 1000)).toBe(99_999); // 99 999.9 → 99 999
    expect(bpsOf(1, 1000)).toBe(0);
    expect(bpsOf(MAX_MICRO, 10_000)).toBe(MAX_MICRO);
  });

  it('rejects fractional or negative basis points', () => {
    expect(() => bpsOf(100, 12.5)).toThrow(RangeError);
    expect(() => bpsOf(100, -1)).toThrow(RangeError);
  });

  it('multiplies a price by a quantity exactly and refuses to overflow', () => {
    expect(times(333_333, 3)).toBe(999_999);
    expect(() => times(MAX_MICRO, 2)).toThrow(RangeError);
  });

  it('refuses a non-integer micro amount', () => {
    expect(() => fromMicro(1.5)).toThrow(RangeError);
  });
});
