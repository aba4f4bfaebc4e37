-- Up Migration

-- The workflow's transition count of the snapshot a service_orders row holds. Each snapshot is
-- written whole by `recordServiceOrder`; an attempt that timed out can still run after its retry
-- (and after later transitions were recorded), so a write lands only when its version is newer —
-- as `rentals.revision` guards the rental's row. 0: the row as the opening wrote it.
ALTER TABLE service_orders ADD COLUMN state_version integer NOT NULL DEFAULT 0;

-- Down Migration
ALTER TABLE service_orders DROP COLUMN state_version;
