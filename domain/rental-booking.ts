/**
 * Rentals booked ahead (issue 25): when a `starts_at` may be booked, and when the agent is
 * reminded. Pure: the API passes its clock in, the workflow its own.
 */
import type { FixedTextCode } from './error-texts';
import { MS_PER_MINUTE } from './rental-settlement';

/** A booking starts at least this far ahead (less is an immediate rental: omit `starts_at`). */
export const BOOKING_MIN_LEAD_MS = MS_PER_MINUTE;
/** …and at most this far ahead. */
export const BOOKING_MAX_AHEAD_DAYS = 30;
export const BOOKING_MAX_AHEAD_MS = BOOKING_MAX_AHEAD_DAYS * 24 * 60 * MS_PER_MINUTE;
/** The agent's `rental_reminder` comes this long before the start (at once if booked closer). */
export const BOOKING_REMINDER_MS = 10 * MS_PER_MINUTE;

/** Why `starts_at` cannot be booked at `nowMs`, or null when it can. */
export function bookingRefusal(startsAtMs: number, nowMs: number): FixedTextCode | null {
  if (startsAtMs < nowMs + BOOKING_MIN_LEAD_MS) return 'rental_starts_at_too_soon';
  if (startsAtMs > nowMs + BOOKING_MAX_AHEAD_MS) return 'rental_starts_at_too_far';
  return null;
}

/** When the reminder is due: ten minutes before the start, never before the booking. */
export const reminderAtMs = (startsAtMs: number, bookedAtMs: number) =>
  Math.max(bookedAtMs, startsAtMs - BOOKING_REMINDER_MS);
