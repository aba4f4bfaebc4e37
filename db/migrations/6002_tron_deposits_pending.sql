-- Up Migration

-- The deposit watcher reads the pending deposits of the newly solidified blocks at every block
-- (to signal their workflows): a small partial index keeps that read independent of history size.
CREATE INDEX deposits_pending_block_idx ON deposits (block_number) WHERE status = 'pending';

-- Down Migration
DROP INDEX deposits_pending_block_idx;
