-- Up Migration

-- `/v1/chat` for proxy agents runs in the API, not in the rental workflow (docs/PERFORMANCE.md,
-- "Chat"). The rentals row becomes the transcript's gate, shared by the API and the workflow:
-- - next_seq: the next message's seq, taken in the statement that stores the message (the row
--   lock of that UPDATE orders every writer, in any process);
-- - transcript_closed_at: set once by the workflow's end (closeTranscript) under the same row
--   lock; a message is stored only while it is NULL, so nothing lands after the end;
-- - transcript_closing: the end has asked to close: no new `/v1/chat` turn starts, while the one
--   in flight may still store its reply for a few seconds (then the end closes regardless);
-- - chat_lease / chat_lease_until: the one `/v1/chat` in flight on this rental (the renter
--   message's id) and until when it holds (renewed while the agent is being asked; a lease of a
--   dead API process runs out by itself), so the agent never sees two messages of a rental at once.
ALTER TABLE rentals
  ADD COLUMN next_seq integer,
  ADD COLUMN transcript_closed_at timestamptz,
  ADD COLUMN transcript_closing boolean NOT NULL DEFAULT false,
  ADD COLUMN chat_lease uuid,
  ADD COLUMN chat_lease_until timestamptz;

UPDATE rentals r
   SET next_seq = coalesce((SELECT max(m.seq) FROM rental_messages m WHERE m.rental_id = r.id), 0) + 1,
       transcript_closed_at = CASE WHEN r.status = 'ended' THEN coalesce(r.ended_at, now()) END;

ALTER TABLE rentals ALTER COLUMN next_seq SET DEFAULT 1;
ALTER TABLE rentals ALTER COLUMN next_seq SET NOT NULL;

-- Down Migration
ALTER TABLE rentals
  DROP COLUMN chat_lease_until,
  DROP COLUMN chat_lease,
  DROP COLUMN transcript_closing,
  DROP COLUMN transcript_closed_at,
  DROP COLUMN next_seq;
