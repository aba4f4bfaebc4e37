-- Up Migration

-- One deposit address per account, derived from TRON_DEPOSIT_MNEMONIC at m/44'/195'/0'/0/<index>.
-- The index is allocated once from the sequence and never reused, so an address never changes owner.
CREATE SEQUENCE deposit_address_index_seq START 1;
CREATE TABLE deposit_addresses (
  account_id        uuid PRIMARY KEY REFERENCES accounts (id),
  derivation_index  integer NOT NULL UNIQUE CHECK (derivation_index >= 0),
  address           text NOT NULL UNIQUE,
  created_at        timestamptz NOT NULL DEFAULT now()
);

-- Read model of the deposit workflows (`deposit-<txid>-<log_index>`); the ledger is the money.
CREATE TABLE deposits (
  txid            text NOT NULL,
  log_index       integer NOT NULL CHECK (log_index >= 0),
  account_id      uuid NOT NULL REFERENCES accounts (id),
  address         text NOT NULL,
  from_address    text NOT NULL,
  amount          bigint NOT NULL CHECK (amount > 0), -- micro-USDT = token units (6 decimals)
  block_number    bigint NOT NULL,
  confirmations   integer NOT NULL DEFAULT 0,
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed', 'dropped', 'failed')),
  status_reason   text,
  credited_at     timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (txid, log_index)
);
CREATE INDEX deposits_account_idx ON deposits (account_id, created_at DESC);

-- Read model of the withdrawal workflows (`withdrawal-<id>`).
CREATE TABLE withdrawals (
  id              uuid PRIMARY KEY,
  account_id      uuid NOT NULL REFERENCES accounts (id),
  amount          bigint NOT NULL CHECK (amount > 0),
  fee             bigint NOT NULL CHECK (fee >= 0),
  net_amount      bigint NOT NULL CHECK (net_amount > 0),
  address         text NOT NULL,
  currency        text NOT NULL DEFAULT 'USDT',
  status          text NOT NULL CHECK (status IN
                    ('queued', 'review', 'waiting_funds', 'broadcast', 'confirmed', 'rejected', 'failed')),
  status_reason   text,
  review_reasons  text[] NOT NULL DEFAULT '{}',
  decided_by      uuid,
  txid            text,
  block_number    bigint,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX withdrawals_account_idx ON withdrawals (account_id, created_at DESC);
CREATE INDEX withdrawals_account_address_idx ON withdrawals (account_id, address);

-- Every signed transaction of a withdrawal, stored BEFORE it is broadcast. Attempt n+1 exists only
-- when attempt n provably expired without reaching the chain; a retry rebroadcasts these bytes.
CREATE TABLE withdrawal_attempts (
  withdrawal_id   uuid NOT NULL REFERENCES withdrawals (id),
  attempt         integer NOT NULL CHECK (attempt >= 1),
  txid            text NOT NULL UNIQUE,
  signed_tx       jsonb NOT NULL,
  expiration      bigint NOT NULL, -- ms since epoch, chain time
  first_broadcast_at timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (withdrawal_id, attempt)
);

-- Conditions an operator must act on (e.g. hot wallet short of USDT or TRX). One open row per
-- (kind, subject); raising it again only bumps last_seen_at.
CREATE TABLE operator_alerts (
  id            bigserial PRIMARY KEY,
  kind          text NOT NULL,
  subject       text NOT NULL,
  message       text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz NOT NULL DEFAULT now(),
  resolved_at   timestamptz
);
CREATE UNIQUE INDEX operator_alerts_open_key ON operator_alerts (kind, subject) WHERE resolved_at IS NULL;

-- Down Migration
DROP TABLE operator_alerts;
DROP TABLE withdrawal_attempts;
DROP TABLE withdrawals;
DROP TABLE deposits;
DROP TABLE deposit_addresses;
DROP SEQUENCE deposit_address_index_seq;
