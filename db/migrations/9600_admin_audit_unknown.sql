-- Up Migration

-- An operator decision whose answer did not come (the request's deadline passed, Temporal was
-- unreachable) may still be applied: it is recorded `unknown`, not `refused`, and completed to
-- `applied` or `refused` once its subject shows what became of it (db/operators.ts
-- settleUnknownAudits).
ALTER TABLE admin_audit DROP CONSTRAINT admin_audit_outcome_check;
ALTER TABLE admin_audit ADD CONSTRAINT admin_audit_outcome_check
  CHECK (outcome IN ('pending', 'applied', 'refused', 'unknown'));
CREATE INDEX admin_audit_unknown_idx ON admin_audit (id) WHERE outcome = 'unknown';

-- Down Migration
DROP INDEX admin_audit_unknown_idx;
UPDATE admin_audit SET outcome = 'refused' WHERE outcome = 'unknown';
ALTER TABLE admin_audit DROP CONSTRAINT admin_audit_outcome_check;
ALTER TABLE admin_audit ADD CONSTRAINT admin_audit_outcome_check
  CHECK (outcome IN ('pending', 'applied', 'refused'));
