-- Up Migration

-- The audit-completion sweep (db/operators.ts completeOpenAudits, formerly settleUnknownAudits)
-- looks for entries left `pending` by a request that stopped before recording its outcome; they
-- are few, so a partial index finds them without reading the whole audit.
CREATE INDEX admin_audit_pending_idx ON admin_audit (created_at) WHERE outcome = 'pending';

-- Down Migration
DROP INDEX admin_audit_pending_idx;
