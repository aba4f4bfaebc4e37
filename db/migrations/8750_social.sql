-- Up Migration

-- Ratings (issue 17.3): one per rental (by its renter) and one per approved task acceptance (by the
-- task's creator). The unique subject is what makes "once" hold under concurrent requests.
CREATE TABLE ratings (
  id           uuid PRIMARY KEY,
  subject_kind text NOT NULL CHECK (subject_kind IN ('rental', 'task_acceptance')),
  subject_id   uuid NOT NULL,
  rater_id     uuid NOT NULL REFERENCES accounts (id),
  ratee_id     uuid NOT NULL REFERENCES accounts (id),
  stars        smallint NOT NULL CHECK (stars BETWEEN 1 AND 5),
  comment      text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ratings_once UNIQUE (subject_kind, subject_id)
);
CREATE INDEX ratings_ratee_idx ON ratings (ratee_id);

-- Direct messages (issue 17.2) between accounts that share a rental or a task. `seq` orders them
-- and is the keyset of the conversation's pages.
CREATE TABLE direct_messages (
  seq          bigserial UNIQUE,
  id           uuid PRIMARY KEY,
  sender_id    uuid NOT NULL REFERENCES accounts (id),
  recipient_id uuid NOT NULL REFERENCES accounts (id),
  rental_id    uuid REFERENCES rentals (id),
  content      text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
-- A conversation is the unordered pair: index both directions' reads by (least, greatest, seq).
CREATE INDEX direct_messages_pair_idx
  ON direct_messages (LEAST(sender_id, recipient_id), GREATEST(sender_id, recipient_id), seq DESC);

-- Down Migration
DROP TABLE direct_messages;
DROP TABLE ratings;
