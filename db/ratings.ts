/** Ratings store (issue 17.3): the ratings table of 8750_social.sql and the facts a rating needs. */
import type { Queryable } from './pool';
import { pgErrorCode } from './pool';

export type RatingSubject = 'rental' | 'task_acceptance' | 'service_order';

export interface RatingRow {
  id: string;
  subject_kind: RatingSubject;
  subject_id: string;
  rater_id: string;
  ratee_id: string;
  stars: number;
  comment: string | null;
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
}

/** Inserts the rating; false when the subject already has one (the unique constraint decided). */
export async function insertRating(db: Queryable, r: NewRating): Promise<RatingRow | undefined> {
  try {
    const res = await db.query<RatingRow>(
      `INSERT INTO ratings (id, subject_kind, subject_id, rater_id, ratee_id, stars, comment)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       RETURNING id, subject_kind, subject_id, rater_id, ratee_id, stars, comment, created_at`,
      [r.id, r.subjectKind, r.subjectId, r.raterId, r.rateeId, r.stars, r.comment],
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
}

export async function rentalToRate(db: Queryable, id: string): Promise<RentalToRate | undefined> {
  const r = await db.query<RentalToRate>(
    'SELECT id, renter_id, agent_id, owner_id, status FROM rentals WHERE id = $1',
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
}

export async function acceptanceToRate(
  db: Queryable,
  taskId: string,
  acceptanceId: string,
): Promise<AcceptanceToRate | undefined> {
  const r = await db.query<AcceptanceToRate>(
    `SELECT a.id, a.task_id, a.worker_id, a.status, t.creator_id
       FROM task_acceptances a JOIN tasks t ON t.id = a.task_id
      WHERE a.id = $1 AND a.task_id = $2`,
    [acceptanceId, taskId],
  );
  return r.rows[0];
}

/**
 * SQL (for a FROM list) giving `<alias>_rt.rating_sum` and `<alias>_rt.rating_count` of the
 * account `<alias>.id`: every rating it received, as a bot rented or as a task worker.
 */
export const ratingJoinSql = (alias: string) =>
  `LEFT JOIN LATERAL (SELECT coalesce(sum(stars), 0)::int AS rating_sum, count(*)::int AS rating_count
                        FROM ratings WHERE ratee_id = ${alias}.id) ${alias}_rt ON true`;

/** The rounded average as Postgres computes it, for sorting the marketplace by rating. */
export const ratingAverageSql = (alias: string) =>
  `round(${alias}_rt.rating_sum::numeric / nullif(${alias}_rt.rating_count, 0), 2)`;
