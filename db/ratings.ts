/** Ratings store (issue 17.3): the ratings table of 8750_social.sql and the facts a rating needs. */
import type { Queryable } from './pool';
import { pgErrorCode } from './pool';

export type RatingSubject = 'rental' | 'task_acceptance';

export interface RatingRow {
  id: string;
  subject_kind: RatingSubject;
  subject_id: string;
  rater_id: string;
  ratee_id: string;
  stars: number;
  comment: string | null;
  /** Whether it counts in averages and counts (issue 24.3, decided when stored). */
  counts: boolean;
  created_at: Date;
}

export interface NewRating {
  id: string;
  subjectKind: RatingSubject;
  subjectId: string;
  raterId: string;
  rateeId: string;
  stars: number;
  comment: string | null;
  counts: boolean;
}

/** Inserts the rating; false when the subject already has one (the unique constraint decided). */
export async function insertRating(db: Queryable, r: NewRating): Promise<RatingRow | undefined> {
  try {
    const res = await db.query<RatingRow>(
      `INSERT INTO ratings (id, subject_kind, subject_id, rater_id, ratee_id, stars, comment, counts)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       RETURNING id, subject_kind, subject_id, rater_id, ratee_id, stars, comment, counts, created_at`,
      [r.id, r.subjectKind, r.subjectId, r.raterId, r.rateeId, r.stars, r.comment, r.counts],
    );
    return res.rows[0];
  } catch (err) {
    if (pgErrorCode(err) === '23505') return undefined;
    throw err;
  }
}

export interface RentalToRate {
  id: string;
  renter_id: string;
  agent_id: string;
  owner_id: string;
  status: string;
  /** What the renter paid, in micro-USDT: billed minutes × price (0 until settled). */
  paid: string;
}

export async function rentalToRate(db: Queryable, id: string): Promise<RentalToRate | undefined> {
  const r = await db.query<RentalToRate>(
    `SELECT id, renter_id, agent_id, owner_id, status,
            (coalesce(billed_minutes, 0)::bigint * price_per_minute)::text AS paid
       FROM rentals WHERE id = $1`,
    [id],
  );
  return r.rows[0];
}

export interface AcceptanceToRate {
  id: string;
  task_id: string;
  worker_id: string;
  status: string;
  creator_id: string;
  /** The task's reward per slot, in micro-USDT: what an approved submission paid. */
  reward: string;
}

export async function acceptanceToRate(
  db: Queryable,
  taskId: string,
  acceptanceId: string,
): Promise<AcceptanceToRate | undefined> {
  const r = await db.query<AcceptanceToRate>(
    `SELECT a.id, a.task_id, a.worker_id, a.status, t.creator_id, t.reward::text AS reward
       FROM task_acceptances a JOIN tasks t ON t.id = a.task_id
      WHERE a.id = $1 AND a.task_id = $2`,
    [acceptanceId, taskId],
  );
  return r.rows[0];
}

/** Rater and ratee with their owners (null: a person or an ownerless bot). */
export async function ratingPartiesOf(
  db: Queryable,
  raterId: string,
  rateeId: string,
): Promise<{
  rater: { id: string; owner_id: string | null };
  ratee: { id: string; owner_id: string | null };
}> {
  const r = await db.query<{ id: string; owner_id: string | null }>(
    'SELECT id, owner_id FROM accounts WHERE id = ANY($1::uuid[])',
    [[raterId, rateeId]],
  );
  const find = (id: string) => {
    const row = r.rows.find((x) => x.id === id);
    if (!row) throw new Error(`account ${id} not found`);
    return row;
  };
  return { rater: find(raterId), ratee: find(rateeId) };
}

/**
 * SQL (for a FROM list) giving `<alias>_rt.rating_sum` and `<alias>_rt.rating_count` of the
 * account `<alias>.id`: the ratings it received that count (issue 24.3: not self-dealt, paid at
 * least RATING_MIN_PAID_USDT), as a bot rented or as a task worker.
 */
export const ratingJoinSql = (alias: string) =>
  `LEFT JOIN LATERAL (SELECT coalesce(sum(stars), 0)::int AS rating_sum, count(*)::int AS rating_count
                        FROM ratings WHERE ratee_id = ${alias}.id AND counts) ${alias}_rt ON true`;

/** The rounded average as Postgres computes it, for sorting the marketplace by rating. */
export const ratingAverageSql = (alias: string) =>
  `round(${alias}_rt.rating_sum::numeric / nullif(${alias}_rt.rating_count, 0), 2)`;
