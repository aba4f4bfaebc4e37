-- Up Migration

-- Tasks that expire (issue 17.4): the task-<id> workflow's durable timer fires at expires_at,
-- refunds the open slots and marks the task expired; running acceptances finish, and whatever
-- they release is refunded too. Tasks created before this have no expires_at and never expire.
ALTER TABLE tasks ADD COLUMN expires_at timestamptz;
ALTER TABLE tasks ADD COLUMN expired_at timestamptz;
ALTER TABLE tasks DROP CONSTRAINT tasks_status_check;
ALTER TABLE tasks ADD CONSTRAINT tasks_status_check
  CHECK (status IN ('open', 'completed', 'cancelled', 'expired'));

-- Down Migration
ALTER TABLE tasks DROP CONSTRAINT tasks_status_check;
UPDATE tasks SET status = 'cancelled', cancelled_at = expired_at WHERE status = 'expired';
ALTER TABLE tasks ADD CONSTRAINT tasks_status_check CHECK (status IN ('open', 'completed', 'cancelled'));
ALTER TABLE tasks DROP COLUMN expired_at;
ALTER TABLE tasks DROP COLUMN expires_at;
