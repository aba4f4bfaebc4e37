-- Up Migration

-- The worker's metric gauges read these at every scrape: the partial indexes keep each count
-- proportional to what is open (withdrawals in flight), not to all history. Disabled endpoints
-- are counted through accounts_webhook_disabled_idx (8100_console).
CREATE INDEX withdrawals_open_status_idx ON withdrawals (status, created_at)
  WHERE status IN ('queued', 'review', 'waiting_funds', 'broadcast');

-- Down Migration
DROP INDEX withdrawals_open_status_idx;
