/**
 * Rental money and clock rules, pure so the workflow, the API and the tests share one version.
 * All amounts are integer micro-USDT.
 */
import { type Micro, times } from './money';

export const MS_PER_MINUTE = 60_000;
/** The one-shot "ending soon" warning fires once this little time (or less) remains. */
export const ENDING_SOON_MS = 5 * MS_PER_MINUTE;
/** Longest rental (and longest extension) one request may buy: a day. */
export const MAX_RENTAL_MINUTES = 24 * 60;

/** Minutes the renter pays for: every started minute counts (the first one starts at once), never more than paid. */
export function billedMinutes(startsAtMs: number, endedAtMs: number, paidMinutes: number): number {
  const elapsedMs = Math.max(0, endedAtMs - startsAtMs);
  return Math.min(paidMinutes, Math.max(1, Math.ceil(elapsedMs / MS_PER_MINUTE)));
}

export interface Settlement {
  billedMinutes: number;
  /** Goes to the owner (the platform fee is taken from it by payEarner). */
  ownerGross: Micro;
  /** Unused whole minutes (and unavailable ones), back to the renter's available balance. */
  refund: Micro;
  /**
   * Health-gated billing (issue 25.3): the 1-based started minutes the agent was demonstrably
   * unavailable for, not billed (domain/rental-availability.ts). Absent in settlements made before.
   */
  unavailableMinutes?: number[];
}

export function settleRental(input: {
  pricePerMinute: Micro;
  paidMinutes: number;
  startsAtMs: number;
  endedAtMs: number;
  /**
   * Started minutes not billed (health-gated billing): each must be one of the started minutes.
   * Omitted: every started minute is billed, as before the gate.
   */
  unavailableMinutes?: readonly number[];
}): Settlement {
  const started = billedMinutes(input.startsAtMs, input.endedAtMs, input.paidMinutes);
  if (input.unavailableMinutes === undefined)
    return {
      billedMinutes: started,
      ownerGross: times(input.pricePerMinute, started),
      refund: times(input.pricePerMinute, input.paidMinutes - started),
    };
  // Only started minutes can be left out, each once: a refund never exceeds what was held.
  const unavailable = [...new Set(input.unavailableMinutes)]
    .filter((m) => Number.isInteger(m) && m >= 1 && m <= started)
    .sort((a, b) => a - b);
  const billed = started - unavailable.length;
  return {
    billedMinutes: billed,
    ownerGross: times(input.pricePerMinute, billed),
    refund: times(input.pricePerMinute, input.paidMinutes - billed),
    unavailableMinutes: unavailable,
  };
}

/** True when the warning should fire: fewer than (or exactly) five minutes remain. */
export const endingSoon = (endsAtMs: number, nowMs: number) => endsAtMs - nowMs <= ENDING_SOON_MS;

/** Rentr-style short code: the first 8 hex characters of the rental UUID. */
export const rentalCode = (rentalId: string) => rentalId.replace(/-/g, '').slice(0, 8).toLowerCase();
