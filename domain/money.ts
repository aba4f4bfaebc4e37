/**
 * USDT amounts inside the platform are integer micro-USDT (6 decimals) held in JS numbers.
 * Every amount is kept below MAX_MICRO so that products with basis points stay exact
 * (2^53 > MAX_MICRO * 10_000). Decimal conversion happens only at the API edge.
 */
export type Micro = number;

export const MICRO_PER_USDT = 1_000_000;
/** 1 billion USDT: far above any real balance, far below float trouble. */
export const MAX_MICRO: Micro = 1_000_000_000 * MICRO_PER_USDT;

export function assertMicro(value: number, what = 'amount'): Micro {
  if (!Number.isSafeInteger(value) || Math.abs(value) > MAX_MICRO) {
    throw new RangeError(`${what} is not an integer micro-USDT amount: ${value}`);
  }
  return value;
}

/** Number of digits after the decimal point of the shortest decimal form of `value`. */
export function decimalPlaces(value: number): number {
  const text = String(value);
  if (text.includes('e')) {
    const [mantissa, exp] = text.split('e');
    const frac = (mantissa.split('.')[1] ?? '').length;
    return Math.max(0, frac - Number(exp));
  }
  return (text.split('.')[1] ?? '').length;
}

/**
 * Converts a JSON decimal (e.g. 25.5) into micro-USDT exactly, through its decimal text,
 * never through float multiplication. Returns null when it is not a finite number with at most
 * 6 decimals within range.
 */
export function toMicro(value: number): Micro | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  if (decimalPlaces(value) > 6) return null;
  if (Math.abs(value) > MAX_MICRO / MICRO_PER_USDT) return null;
  const negative = value < 0;
  const text = Math.abs(value).toFixed(6); // exact: at most 6 decimals and < 1e9
  const [whole, frac] = text.split('.');
  const micro = Number(whole) * MICRO_PER_USDT + Number(frac);
  return negative ? -micro : micro;
}

/** micro-USDT → JSON number with up to 6 decimals (25500000 → 25.5). */
export function fromMicro(micro: Micro): number {
  assertMicro(micro);
  const negative = micro < 0;
  const abs = Math.abs(micro);
  const whole = Math.floor(abs / MICRO_PER_USDT);
  const frac = abs % MICRO_PER_USDT;
  const value = Number(`${whole}.${String(frac).padStart(6, '0')}`);
  return negative ? -value : value;
}

/** floor(amount × bps / 10000) in exact integer arithmetic. */
export function bpsOf(amount: Micro, bps: number): Micro {
  assertMicro(amount);
  if (!Number.isInteger(bps) || bps < 0) throw new RangeError(`bad basis points ${bps}`);
  return Number((BigInt(amount) * BigInt(bps)) / 10_000n);
}

/** price × quantity, checked to stay an exact micro amount. */
export function times(amount: Micro, quantity: number): Micro {
  return assertMicro(Number(BigInt(assertMicro(amount)) * BigInt(quantity)), 'product');
}

/**
 * Token units (bigint from a log) → micro-USDT, refusing anything outside the safe range. USDT
 * TRC-20 has 6 decimals, so on-chain token units are micro-USDT.
 */
export function microFromTokenUnits(units: bigint): Micro | null {
  return units > 0n && units <= BigInt(MAX_MICRO) ? Number(units) : null;
}
