-- Up Migration

-- The genesis block id of the chain a deposit watcher's cursor counts on. A node whose genesis
-- differs is another chain (a development chain started afresh): the cursor's height means
-- nothing there, and the watcher starts again at the new chain's first block (issue 24).
ALTER TABLE deposit_watch_cursors ADD COLUMN genesis_block_id text;

-- Down Migration
ALTER TABLE deposit_watch_cursors DROP COLUMN genesis_block_id;
