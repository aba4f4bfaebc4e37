-- Up Migration

-- The ledger reference of the journal an operator decision posts (an adjustment's
-- `adjustment:<id>`), set when the entry is opened: an entry its request left `unknown` is then
-- completed from the ledger (db/operators.ts completeOpenAudits), applied once the journal exists.
ALTER TABLE admin_audit ADD COLUMN journal_reference text;

-- Down Migration
ALTER TABLE admin_audit DROP COLUMN journal_reference;
