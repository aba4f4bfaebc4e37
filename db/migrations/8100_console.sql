-- Up Migration

-- Operator console sessions (/admin). The cookie carries a random token; only its hash is stored,
-- so a database reader cannot log in. Logout revokes the row; expired rows are simply refused.
CREATE TABLE console_sessions (
  token_hash        text PRIMARY KEY,
  account_id        uuid NOT NULL,
  via               text NOT NULL CHECK (via IN ('admin_key', 'api_key', 'jwt')),
  -- The API key the session was opened with (via api_key): its revocation ends the session.
  key_id            uuid,
  -- sha256 of ADMIN_API_KEY at login (via admin_key): rotating the key ends the session.
  admin_key_hash    text,
  -- Who the audit names: "admin key", or the account's email / username.
  actor             text NOT NULL,
  -- Per-session CSRF token, sent back by the page in X-CSRF-Token on every state change.
  csrf_token        text NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  expires_at        timestamptz NOT NULL,
  revoked_at        timestamptz
);
CREATE INDEX console_sessions_expires_idx ON console_sessions (expires_at);

-- Every operator decision (withdrawal approve/reject, alert acknowledgement): who, when, why, and
-- how it ended. Written `pending` before the decision is sent, settled after it.
CREATE TABLE admin_audit (
  id                bigserial PRIMARY KEY,
  action            text NOT NULL,
  subject_id        text NOT NULL,
  reason            text,
  actor_account_id  uuid NOT NULL,
  actor             text NOT NULL,
  via               text NOT NULL,
  channel           text NOT NULL CHECK (channel IN ('console', 'api')),
  outcome           text NOT NULL DEFAULT 'pending' CHECK (outcome IN ('pending', 'applied', 'refused')),
  outcome_detail    text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  settled_at        timestamptz
);
CREATE INDEX admin_audit_subject_idx ON admin_audit (subject_id, id DESC);

-- An operator took an open alert: it stays listed (acknowledged) until its cause resolves it.
ALTER TABLE operator_alerts
  ADD COLUMN acknowledged_at timestamptz,
  ADD COLUMN acknowledged_by uuid,
  ADD COLUMN acknowledged_by_actor text;

-- The console lists endpoints that are disabled.
CREATE INDEX accounts_webhook_disabled_idx ON accounts (webhook_disabled_at DESC) WHERE webhook_disabled_at IS NOT NULL;
-- The review queue.
CREATE INDEX withdrawals_review_idx ON withdrawals (created_at, id) WHERE status = 'review';

-- Down Migration
DROP INDEX withdrawals_review_idx;
DROP INDEX accounts_webhook_disabled_idx;
ALTER TABLE operator_alerts
  DROP COLUMN acknowledged_by_actor,
  DROP COLUMN acknowledged_by,
  DROP COLUMN acknowledged_at;
DROP TABLE admin_audit;
DROP TABLE console_sessions;
