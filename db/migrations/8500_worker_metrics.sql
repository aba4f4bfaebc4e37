-- Up Migration

-- The worker's metric gauges read these at every scrape: the partial indexes keep each count
-- proportional to what is open (withdrawals in flight, disabled endpoints), not to all history.
CREATE INDEX withdrawals_open_status_idx ON withdrawals (status, created_at)
  WHERE status IN ('queued', 'review', 'waiting_funds', 'broadcast');
CREATE INDEX accounts_webhook_disabled_idx ON accounts (webhook_disabled_at)
  WHERE webhook_disabled_at IS NOT NULL;

-- Down Migration
DROP INDEX accounts_webhook_disabled_idx;
DROP INDEX withdrawals_open_status_idx;
