-- Up Migration

-- The silence guard (issue 25.4): the renter's limit, and why the platform ended a rental early.
ALTER TABLE rentals ADD COLUMN max_silence_minutes integer
  CHECK (max_silence_minutes IS NULL OR max_silence_minutes BETWEEN 1 AND 1440);
ALTER TABLE rentals ADD COLUMN ended_reason text
  CHECK (ended_reason IS NULL OR ended_reason IN ('agent_silent'));

-- Down Migration
ALTER TABLE rentals DROP COLUMN ended_reason;
ALTER TABLE rentals DROP COLUMN max_silence_minutes;
