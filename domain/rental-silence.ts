/**
 * The silence guard of a rental (issue 25.4): with `max_silence_minutes`, a renter's message the
 * agent leaves unanswered that long ends the rental early; the unused whole minutes go back to the
 * renter as for any early end. Pure: the workflow passes its clock and what the transcript says.
 */
import { MS_PER_MINUTE } from './rental-settlement';

export const MIN_SILENCE_MINUTES = 1;
/** A day: as long as the longest rental, so any limit a rental could reach is expressible. */
export const MAX_SILENCE_MINUTES = 1440;

/** Why a rental ended when the platform ended it early (the row's and the view's `ended_reason`). */
export type RentalEndedReason = 'agent_silent';

/**
 * The oldest renter message after the agent's last message (or since the start), as the
 * transcript has it: its `seq` and how long ago it was stored (database clock). null: every renter
 * message has an agent message after it.
 */
export interface UnansweredMessage {
  seq: number;
  ageMs: number;
}

/** The renter's message the guard is timing: its `seq` and when it counts from (workflow clock). */
export interface SilentSince {
  seq: number;
  sinceMs: number;
}

export type SilenceDecision =
  /** The agent answered everything: nothing to time. */
  | { kind: 'answered' }
  /** Silent too long: the rental ends. */
  | { kind: 'silent'; seq: number }
  /** An unanswered message, not yet silent too long: time it from `since`. */
  | { kind: 'waiting'; since: SilentSince };

/** What the guard does when its timer fires and the transcript says `unanswered`. */
export function decideSilence(
  limitMs: number,
  unanswered: UnansweredMessage | null,
  nowMs: number,
): SilenceDecision {
  if (unanswered === null) return { kind: 'answered' };
  // A negative age (clocks a hair apart) counts as just stored.
  const ageMs = Math.max(0, unanswered.ageMs);
  if (ageMs >= limitMs) return { kind: 'silent', seq: unanswered.seq };
  return { kind: 'waiting', since: { seq: unanswered.seq, sinceMs: nowMs - ageMs } };
}

export const silenceLimitMs = (maxSilenceMinutes: number) => maxSilenceMinutes * MS_PER_MINUTE;
