/**
 * Who may rate what (issue 17.3), shared by the REST routes and the MCP tools. Pure: each returns
 * the refusal's error code, or null. "Once" is not decided here: the unique constraint on
 * ratings (8750_social.sql) decides it, so concurrent requests cannot both win.
 */
import type { FixedTextCode } from './error-texts';
import { rentalRoleOf, type RentalParties } from './rental-permissions';

export const MIN_STARS = 1;
export const MAX_STARS = 5;

/**
 * The renter rates a rental once it has ended. Anyone who may not see the rental is told it does
 * not exist (as everywhere for rentals); the bot and its owner see it but may not rate it.
 */
export function mayRateRental(
  rental: RentalParties & { status: string },
  actorId: string,
): FixedTextCode | null {
  const role = rentalRoleOf(rental, actorId);
  if (!role) return 'rental_not_found';
  if (role !== 'renter') return 'rating_not_renter';
  return rental.status === 'ended' ? null : 'rating_before_end';
}

/** A task's creator rates the worker of an approved submission of that task. */
export function mayRateSubmission(
  task: { creatorId: string },
  acceptance: { status: string },
  actorId: string,
): FixedTextCode | null {
  if (actorId !== task.creatorId) return 'rating_not_task_creator';
  return acceptance.status === 'approved' ? null : 'rating_submission_not_approved';
}

/** `{average, count}` as profiles show it: the average rounded to 2 decimals, null when unrated. */
export function ratingSummary(sumStars: number, count: number): { average: number | null; count: number } {
  if (count === 0) return { average: null, count: 0 };
  // Half-up in integers (as Postgres rounds numeric), so e.g. 201/200 is 1.01, not 1.00.
  const hundredths = Math.floor((200 * sumStars + count) / (2 * count));
  return { average: hundredths / 100, count };
}

/** An account and the person owning it (null for a person or an ownerless bot). */
export interface RatingParty {
  id: string;
  ownerId: string | null;
}

/**
 * Whether a stored rating counts in averages, `sort=rating` and profile counts (issue 24.3): the
 * rater is not on the rated account's side — not its owner, not one of that owner's bots, not the
 * account itself or its own bots (one "side" is a person with all the bots it owns) — and its
 * rental or task paid at least `minPaidMicro`. Otherwise a person's bots could rent the person's
 * bot for a micro-USDT and buy it five stars.
 */
export function ratingCounts(
  rater: RatingParty,
  ratee: RatingParty,
  paidMicro: number,
  minPaidMicro: number,
): boolean {
  const sideOf = (p: RatingParty) => p.ownerId ?? p.id;
  return sideOf(rater) !== sideOf(ratee) && paidMicro >= minPaidMicro;
}
