-- Up Migration

-- The deposit watcher's block cursor, saved after every scan. The workflow carries it across
-- continue-as-new; this copy lets a watcher started anew (terminated, namespace moved) resume
-- where the last one stopped instead of at the head, so no deposit block is ever skipped.
CREATE TABLE deposit_watch_cursors (
  watcher_id     text PRIMARY KEY,
  next_block     bigint NOT NULL CHECK (next_block >= 0),
  last_block_id  text,
  updated_at     timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE deposit_watch_cursors;
