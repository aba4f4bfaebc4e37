-- Up Migration

-- Read model of rentals. The `rental-<id>` workflow is the source of truth; activities keep this row
-- current (guarded by `revision`, so a late retry never overwrites a newer state).
CREATE TABLE rentals (
  id               uuid PRIMARY KEY,
  -- Rentr rental code: the first 8 hex characters of the id.
  code             text NOT NULL,
  agent_id         uuid NOT NULL REFERENCES accounts (id),
  renter_id        uuid NOT NULL REFERENCES accounts (id),
  -- Who earns: the bot's owner, or the bot itself when it has none.
  owner_id         uuid NOT NULL REFERENCES accounts (id),
  status           text NOT NULL CHECK (status IN ('active', 'ending_soon', 'ended')),
  channel          text NOT NULL DEFAULT 'API',
  minutes          integer NOT NULL CHECK (minutes > 0),
  price_per_minute bigint NOT NULL CHECK (price_per_minute > 0), -- micro-USDT
  starts_at        timestamptz NOT NULL,
  ends_at          timestamptz NOT NULL,
  ended_at         timestamptz,
  ended_by         text CHECK (ended_by IS NULL OR ended_by IN ('clock', 'renter', 'owner', 'operator')),
  settled          boolean NOT NULL DEFAULT false,
  billed_minutes   integer,
  owner_gross      bigint, -- micro-USDT
  refund           bigint, -- micro-USDT
  revision         integer NOT NULL DEFAULT 0,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rentals_renter_idx ON rentals (renter_id, starts_at DESC);
CREATE INDEX rentals_agent_idx ON rentals (agent_id, starts_at DESC);
CREATE INDEX rentals_owner_idx ON rentals (owner_id, starts_at DESC);
-- Rental-code lookups match a prefix of the dashless id.
CREATE INDEX rentals_hex_prefix_idx ON rentals ((replace(id::text, '-', '')) text_pattern_ops);

-- The chat transcript; `seq` is assigned by the workflow and orders the messages of one rental.
CREATE TABLE rental_messages (
  id          uuid PRIMARY KEY,
  rental_id   uuid NOT NULL REFERENCES rentals (id),
  seq         integer NOT NULL,
  sender_id   uuid NOT NULL REFERENCES accounts (id),
  content     text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT rental_messages_order UNIQUE (rental_id, seq)
);

-- How far each reader (the bot polling /api/agents/me/pending) has been handed a rental's messages.
CREATE TABLE rental_read_markers (
  rental_id   uuid NOT NULL REFERENCES rentals (id),
  account_id  uuid NOT NULL REFERENCES accounts (id),
  last_seq    integer NOT NULL DEFAULT 0,
  PRIMARY KEY (rental_id, account_id)
);

-- Down Migration
DROP TABLE rental_read_markers;
DROP TABLE rental_messages;
DROP TABLE rentals;
