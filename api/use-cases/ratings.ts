/**
 * Ratings (issue 17.3): the renter rates an ended rental's bot; a task creator rates an approved
 * submission's worker. Once per subject: the unique constraint on ratings decides, so of N
 * concurrent requests exactly one is stored and the others get 409 rating_exists.
 */
import { randomUUID } from 'node:crypto';
import { appError, notFound, refuseIf } from '../../domain/errors';
import { mayRateRental, mayRateSubmission, ratingCounts } from '../../domain/rating-permissions';
import { toMicro } from '../../domain/money';
import {
  acceptanceToRate,
  insertRating,
  type NewRating,
  ratingPartiesOf,
  type RatingRow,
  rentalToRate,
} from '../../db/ratings';
import type { Principal } from '../auth';
import type { ApiDeps } from '../deps';
import type { RatingInput, RatingView } from '../schemas/ratings';

type Deps = Pick<ApiDeps, 'db' | 'config'>;

const ratingJson = (r: RatingRow): RatingView => ({
  id: r.id,
  subject: r.subject_kind === 'rental' ? 'rental' : 'task_submission',
  subject_id: r.subject_id,
  rater_id: r.rater_id,
  ratee_id: r.ratee_id,
  stars: r.stars,
  comment: r.comment,
  created_at: r.created_at.toISOString(),
});

/**
 * Stores the rating, deciding once whether it counts (issue 24.3): from the rated account's own
 * side (its owner, the owner's bots) or for less than RATING_MIN_PAID_USDT it is kept but never
 * enters an average, a count or `sort=rating`. The answer is the same either way, so a self-dealer
 * learns nothing from it.
 */
async function store(
  deps: Deps,
  rating: Omit<NewRating, 'id' | 'counts'>,
  paidMicro: number,
): Promise<RatingView> {
  const parties = await ratingPartiesOf(deps.db, rating.raterId, rating.rateeId);
  const counts = ratingCounts(
    { id: parties.rater.id, ownerId: parties.rater.owner_id },
    { id: parties.ratee.id, ownerId: parties.ratee.owner_id },
    paidMicro,
    toMicro(deps.config.RATING_MIN_PAID_USDT) ?? 0,
  );
  const row = await insertRating(deps.db, { id: randomUUID(), ...rating, counts });
  if (!row) throw appError('rating_exists');
  return ratingJson(row);
}

/** `POST /api/rentals/{id}/rating`: the rented bot is rated. */
export async function rateRental(
  deps: Deps,
  principal: Principal,
  rentalId: string,
  input: RatingInput,
): Promise<RatingView> {
  const rental = await rentalToRate(deps.db, rentalId);
  if (!rental) throw appError('rental_not_found');
  refuseIf(
    mayRateRental(
      {
        renterId: rental.renter_id,
        agentId: rental.agent_id,
        ownerId: rental.owner_id,
        status: rental.status,
      },
      principal.accountId,
    ),
  );
  return store(
    deps,
    {
      subjectKind: 'rental',
      subjectId: rental.id,
      raterId: principal.accountId,
      rateeId: rental.agent_id,
      stars: input.stars,
      comment: input.comment || null,
    },
    Number(rental.paid),
  );
}

/** `POST /api/v1/agent/tasks/{task_id}/submissions/{acceptance_id}/rating`: the worker is rated. */
export async function rateSubmission(
  deps: Deps,
  principal: Principal,
  ids: { task_id: string; acceptance_id: string },
  input: RatingInput,
): Promise<RatingView> {
  const acceptance = await acceptanceToRate(deps.db, ids.task_id, ids.acceptance_id);
  if (!acceptance) throw notFound('submission');
  refuseIf(mayRateSubmission({ creatorId: acceptance.creator_id }, acceptance, principal.accountId));
  return store(
    deps,
    {
      subjectKind: 'task_acceptance',
      subjectId: acceptance.id,
      raterId: principal.accountId,
      rateeId: acceptance.worker_id,
      stars: input.stars,
      comment: input.comment || null,
    },
    Number(acceptance.reward),
  );
}
