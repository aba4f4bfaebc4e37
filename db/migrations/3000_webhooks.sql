-- Up Migration

-- One row per outbound webhook delivery (the read model of a `webhook-<id>` workflow).
-- `body` is the exact JSON text sent and signed on every attempt (jsonb would reorder keys).
CREATE TABLE webhook_deliveries (
  id               uuid PRIMARY KEY,
  -- Enqueue order, used for per-subject ordering and as the pagination cursor.
  seq              bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  event_key        text NOT NULL,
  account_id       uuid NOT NULL REFERENCES accounts (id),
  policy           text NOT NULL,
  event            text NOT NULL,
  subject          text NOT NULL,
  target_url       text,
  body             text NOT NULL,
  -- Extra request headers (may hold a bearer token: never returned by the API).
  headers          jsonb NOT NULL DEFAULT '{}'::jsonb,
  state            text NOT NULL CHECK (state IN ('pending', 'retrying', 'delivered', 'failed', 'skipped')),
  skip_reason      text,
  -- The unsettled delivery of the same (account, subject) this one waits for (ordering).
  previous_id      uuid REFERENCES webhook_deliveries (id),
  redelivery_of    uuid REFERENCES webhook_deliveries (id),
  attempt_count    integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz,
  last_status      integer,
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  completed_at     timestamptz
);
CREATE INDEX webhook_deliveries_account_idx ON webhook_deliveries (account_id, seq DESC);
CREATE INDEX webhook_deliveries_subject_idx ON webhook_deliveries (account_id, subject, seq DESC);
CREATE INDEX webhook_deliveries_previous_idx ON webhook_deliveries (previous_id) WHERE previous_id IS NOT NULL;

-- One row per attempt; (delivery, attempt) is the idempotency key of the attempt activity.
CREATE TABLE webhook_attempts (
  delivery_id      uuid NOT NULL REFERENCES webhook_deliveries (id),
  attempt          integer NOT NULL CHECK (attempt > 0),
  attempted_at     timestamptz NOT NULL,
  outcome          text NOT NULL CHECK (outcome IN ('success', 'rejected', 'timeout', 'network_error', 'refused')),
  response_status  integer,
  latency_ms       integer NOT NULL,
  error            text,
  response_excerpt text,
  recorded_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (delivery_id, attempt)
);
CREATE INDEX webhook_attempts_time_idx ON webhook_attempts (attempted_at);

-- When an owner last re-enabled their endpoint: failures before it no longer count toward disabling.
CREATE TABLE webhook_endpoint_resets (
  account_id  uuid PRIMARY KEY REFERENCES accounts (id),
  reset_at    timestamptz NOT NULL
);

-- In-app notifications for an account (shared: webhooks, rentals, tasks write them; bots poll them).
CREATE TABLE notifications (
  id          uuid PRIMARY KEY,
  account_id  uuid NOT NULL REFERENCES accounts (id),
  type        text NOT NULL,
  title       text NOT NULL,
  body        text,
  link        text,
  data        jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at  timestamptz NOT NULL DEFAULT now(),
  read_at     timestamptz
);
CREATE INDEX notifications_account_idx ON notifications (account_id, created_at DESC);
CREATE INDEX notifications_unread_idx ON notifications (account_id) WHERE read_at IS NULL;

-- Down Migration
DROP TABLE notifications;
DROP TABLE webhook_endpoint_resets;
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
