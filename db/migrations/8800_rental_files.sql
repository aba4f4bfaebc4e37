-- Up Migration

-- Deliverable files of a rental (issue 17). The bytes live in the file store (local disk or S3,
-- under `storage_key`); a row is written only after its bytes are stored, so a crash in between
-- leaves an unreferenced blob, never a row pointing at nothing.
CREATE TABLE rental_files (
  id            uuid PRIMARY KEY,
  rental_id     uuid NOT NULL REFERENCES rentals (id),
  uploader_id   uuid NOT NULL REFERENCES accounts (id),
  name          text NOT NULL,
  content_type  text NOT NULL,
  size          bigint NOT NULL CHECK (size >= 0),
  sha256        text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  storage_key   text NOT NULL,
  -- Set when the upload carried an Idempotency-Key (the id then derives from it).
  idempotent    boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rental_files_rental_idx ON rental_files (rental_id, created_at, id);

-- Down Migration
DROP TABLE rental_files;
