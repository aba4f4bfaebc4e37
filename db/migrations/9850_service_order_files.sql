-- Up Migration

-- Issue 23.1: files a seller uploads to a service order and attaches to a delivery. The bytes live
-- in the same file store as rental files (services/file-storage.ts); the orphan sweeper keeps every
-- blob this table or rental_files references. `owner_id` is the account the bytes are charged to
-- (the seller's owner, or the seller when it has none): the same per-owner quota as rental files.
CREATE TABLE service_order_files (
  id           uuid PRIMARY KEY,
  order_id     uuid NOT NULL REFERENCES service_orders (id),
  uploader_id  uuid NOT NULL REFERENCES accounts (id),
  owner_id     uuid NOT NULL REFERENCES accounts (id),
  name         text NOT NULL,
  content_type text NOT NULL,
  size         bigint NOT NULL CHECK (size >= 0),
  sha256       text NOT NULL,
  storage_key  text NOT NULL,
  -- Set when a delivery attaches the file; the buyer sees only attached files.
  delivered_at timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX service_order_files_order_idx ON service_order_files (order_id, created_at, id);
CREATE INDEX service_order_files_owner_idx ON service_order_files (owner_id);
CREATE INDEX service_order_files_storage_key_idx ON service_order_files (storage_key);

-- Down Migration
DROP TABLE service_order_files;
