/**
 * Rentr rental codes: the renter's credential for `/v1/chat` and `/v1/status` is the first 8 or
 * more hex characters of the rental UUID, dashes optional, any case. Resolution is by prefix of
 * the dashless id (index rentals_hex_prefix_idx); a prefix two rentals share is refused rather
 * than guessed, so nobody can ever talk into someone else's rental.
 */
import { appError } from './errors';
import type { RentalRow } from './rental-store';
import { errorText } from './error-texts';

export const MIN_RENTAL_CODE_CHARS = 8;
const HEX_UUID_CHARS = 32;

export const MISSING_CODE_MESSAGE = errorText('missing_rental_code');
export const INVALID_CODE_MESSAGE = errorText('invalid_rental_code');
export const AMBIGUOUS_CODE_MESSAGE = errorText('ambiguous_rental_code');
export const RENTAL_NOT_ACTIVE_MESSAGE = errorText('rental_not_active');

/** Dashes dropped, lowercased; undefined unless 8–32 hex characters remain. */
export function normalizeRentalCode(raw: string): string | undefined {
  const code = raw.trim().replace(/-/g, '').toLowerCase();
  if (code.length < MIN_RENTAL_CODE_CHARS || code.length > HEX_UUID_CHARS) return undefined;
  return /^[0-9a-f]+$/.test(code) ? code : undefined;
}

/**
 * The rental a code names: 401 when missing, malformed or unknown; 400 when ambiguous.
 * `rentalsByHexPrefix` reads the rentals (db/rentals.ts), so this rule stays free of I/O.
 */
export async function resolveRentalCode(
  rentalsByHexPrefix: (hexPrefix: string) => Promise<RentalRow[]>,
  raw: string | undefined,
): Promise<RentalRow> {
  if (!raw) throw appError('missing_rental_code');
  const code = normalizeRentalCode(raw);
  if (!code) throw appError('invalid_rental_code');
  // Two rows are enough to know it is ambiguous; one round trip reads them whole.
  const rows = await rentalsByHexPrefix(code);
  if (rows.length > 1) throw appError('ambiguous_rental_code');
  if (!rows[0]) throw appError('invalid_rental_code');
  return rows[0];
}

/** Active means started, not ended and not past its end time (the clock may lead the workflow). */
export function isRentalActive(rental: RentalRow, nowMs: number): boolean {
  return rental.status !== 'ended' && rental.starts_at.getTime() <= nowMs && rental.ends_at.getTime() > nowMs;
}

export function assertRentalActive(rental: RentalRow, nowMs: number): void {
  if (!isRentalActive(rental, nowMs)) throw appError('rental_not_active');
}

export const timeRemainingSeconds = (rental: RentalRow, nowMs: number) =>
  Math.max(0, Math.floor((rental.ends_at.getTime() - nowMs) / 1000));

/**
 * Rentr's `duration_type` for a rental length: agentrent sells minutes, so the unit is the
 * largest one the length is a whole multiple of (`hour` for 60 minutes, `minute` for 45).
 */
export function durationType(minutes: number): 'day' | 'hour' | 'minute' {
  if (minutes % 1440 === 0) return 'day';
  if (minutes % 60 === 0) return 'hour';
  return 'minute';
}
