-- Up Migration

-- Issue 24.3: whether a rating counts in averages, `sort=rating` and profile counts. Decided once,
-- when the rating is stored (api/use-cases/ratings.ts, domain/rating-permissions.ts): the rater is
-- not on the rated account's side (same owner group) and its rental or task paid at least
-- RATING_MIN_PAID_USDT. Existing ratings are judged here by the same rules at the default minimum
-- (1 USDT = 1,000,000 micro-USDT).
ALTER TABLE ratings ADD COLUMN counts boolean NOT NULL DEFAULT false;
UPDATE ratings r SET counts = true
  FROM accounts rater, accounts ratee
 WHERE rater.id = r.rater_id AND ratee.id = r.ratee_id
   AND coalesce(rater.owner_id, rater.id) <> coalesce(ratee.owner_id, ratee.id)
   AND coalesce(
         (SELECT coalesce(x.billed_minutes, 0)::bigint * x.price_per_minute FROM rentals x
           WHERE r.subject_kind = 'rental' AND x.id = r.subject_id),
         (SELECT t.reward FROM task_acceptances a JOIN tasks t ON t.id = a.task_id
           WHERE r.subject_kind = 'task_acceptance' AND a.id = r.subject_id),
         0) >= 1000000;
CREATE INDEX ratings_ratee_counting_idx ON ratings (ratee_id) WHERE counts;

-- Issue 24.2: blobs the orphan sweeper deleted (a file store key with no rental_files row, older
-- than an hour): what, how big, how old, and when it went.
CREATE TABLE swept_file_blobs (
  storage_key   text NOT NULL,
  size          bigint NOT NULL CHECK (size >= 0),
  last_modified timestamptz NOT NULL,
  swept_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (storage_key, swept_at)
);
CREATE INDEX rental_files_storage_key_idx ON rental_files (storage_key);

-- Issue 24.2: a recipient's blocks of direct-message senders.
CREATE TABLE dm_blocks (
  blocker_id  uuid NOT NULL REFERENCES accounts (id),
  blocked_id  uuid NOT NULL REFERENCES accounts (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (blocker_id, blocked_id),
  CHECK (blocker_id <> blocked_id)
);

-- Down Migration
DROP TABLE dm_blocks;
DROP INDEX rental_files_storage_key_idx;
DROP TABLE swept_file_blobs;
DROP INDEX ratings_ratee_counting_idx;
ALTER TABLE ratings DROP COLUMN counts;
