-- Up Migration

-- Accounts: people and bots. A bot is also an agent (its id is the agent id).
CREATE TABLE accounts (
  id                  uuid PRIMARY KEY,
  kind                text NOT NULL CHECK (kind IN ('person', 'bot')),
  is_bot              boolean GENERATED ALWAYS AS (kind = 'bot') STORED,
  role                text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
  email               text,
  username            text,
  password_hash       text,
  -- Public name: agent_name for bots, optional display name for people.
  display_name        text,
  owner_id            uuid REFERENCES accounts (id),
  referral_code       text NOT NULL UNIQUE,
  referred_by         uuid REFERENCES accounts (id),
  -- Agent profile (bots).
  description         text,
  price_per_minute    bigint CHECK (price_per_minute IS NULL OR price_per_minute > 0), -- micro-USDT
  webhook_url         text,
  webhook_token       text,
  integration         text CHECK (integration IS NULL OR integration IN ('events', 'proxy')),
  -- Outbound webhooks: Standard Webhooks signing secret (whsec_…), and the endpoint's state.
  webhook_secret      text,
  webhook_disabled_at timestamptz,
  -- Last health check of a proxy agent's webhook.
  health_ok           boolean,
  health_checked_at   timestamptz,
  health_detail       text,
  -- Account settings, e.g. {"max_hourly_spend_usd": 50}.
  settings            jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX accounts_email_key ON accounts (lower(email)) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX accounts_username_key ON accounts (lower(username)) WHERE username IS NOT NULL;
CREATE INDEX accounts_owner_idx ON accounts (owner_id) WHERE owner_id IS NOT NULL;
CREATE INDEX accounts_referred_by_idx ON accounts (referred_by) WHERE referred_by IS NOT NULL;

-- API keys: only a hash is stored; the prefix is shown in listings.
CREATE TABLE api_keys (
  id            uuid PRIMARY KEY,
  account_id    uuid NOT NULL REFERENCES accounts (id),
  key_hash      text NOT NULL UNIQUE,
  key_prefix    text NOT NULL,
  name          text,
  rate_limit_per_minute integer NOT NULL DEFAULT 300 CHECK (rate_limit_per_minute > 0),
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz
);
CREATE INDEX api_keys_account_idx ON api_keys (account_id);

-- Double-entry ledger. A ledger account belongs to an owner (NULL = the platform) and has a
-- purpose; `subject` scopes escrow to one business object (e.g. 'rental:<id>'); `shard` spreads
-- hot platform accounts over several rows. User accounts can never go negative.
CREATE TABLE ledger_accounts (
  id          bigserial PRIMARY KEY,
  owner_id    uuid REFERENCES accounts (id),
  purpose     text NOT NULL CHECK (purpose IN
                ('available', 'held', 'escrow', 'platform_fees', 'referral_payouts',
                 'hot_wallet', 'external', 'adjustments')),
  subject     text NOT NULL DEFAULT '',
  shard       smallint NOT NULL DEFAULT 0,
  is_user     boolean NOT NULL,
  balance     bigint NOT NULL DEFAULT 0,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ledger_accounts_user_non_negative CHECK (NOT is_user OR balance >= 0),
  CONSTRAINT ledger_accounts_identity UNIQUE NULLS NOT DISTINCT (owner_id, purpose, subject, shard)
);

CREATE TABLE ledger_journals (
  id               uuid PRIMARY KEY,
  idempotency_key  text NOT NULL UNIQUE,
  kind             text NOT NULL,
  reference        text,
  memo             jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_journals_reference_idx ON ledger_journals (reference) WHERE reference IS NOT NULL;

CREATE TABLE ledger_entries (
  id                 bigserial PRIMARY KEY,
  journal_id         uuid NOT NULL REFERENCES ledger_journals (id),
  ledger_account_id  bigint NOT NULL REFERENCES ledger_accounts (id),
  amount             bigint NOT NULL CHECK (amount <> 0),
  created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_entries_account_idx ON ledger_entries (ledger_account_id, id DESC);
CREATE INDEX ledger_entries_journal_idx ON ledger_entries (journal_id);

-- Idempotency-Key records for API requests, scoped per account and operation.
CREATE TABLE idempotency_keys (
  account_id      uuid NOT NULL REFERENCES accounts (id),
  scope           text NOT NULL,
  key             text NOT NULL,
  request_hash    text NOT NULL,
  state           text NOT NULL CHECK (state IN ('in_flight', 'done')),
  response_status integer,
  response_body   jsonb,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, scope, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- The platform operator: every ADMIN_API_KEY request acts as this account.
INSERT INTO accounts (id, kind, role, username, display_name, referral_code)
VALUES ('00000000-0000-4000-8000-000000000001', 'person', 'admin', 'operator', 'Platform operator', 'operator');

-- Down Migration
DROP TABLE idempotency_keys;
DROP TABLE ledger_entries;
DROP TABLE ledger_journals;
DROP TABLE ledger_accounts;
DROP TABLE api_keys;
DROP TABLE accounts;
