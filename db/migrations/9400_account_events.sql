-- Up Migration

-- The event feed of an account (issue 23, `GET /api/agents/me/events`): every notification and
-- every webhook event written for it, in one order, with the ids and payloads those carry. Written
-- by triggers on `notifications` and `webhook_deliveries`, so every producer (rentals, messages,
-- files, tasks, endpoint notices; the bulk insert in db/rentals.ts too) feeds it in its own
-- transaction, and nothing can write one without the other.
--
-- Order: `seq` is a per-account counter taken under the account's row lock in
-- `account_event_heads`, held until the writing transaction ends. A bigserial would not do: ids
-- are taken at insert but become visible at commit, so id 8 can commit before id 7, and a reader
-- handed "after 8" would skip 7 for ever. Under the head lock the next writer of the same account
-- waits for the previous one to commit (or roll back: then it reuses the number), so the seqs a
-- reader can see are always a prefix 1..n of the account's feed, and a cursor never jumps a
-- late-committing event. The price is that the event writes of ONE account are serialized (they
-- are short statements at the end of short transactions); different accounts never wait.
--
-- Retention: kept at least 7 days (docs/EVENTS.md). Nothing deletes events today; a purge must
-- keep every event younger than 7 days (account_events_created_idx is there for it).
CREATE TABLE account_event_heads (
  account_id  uuid PRIMARY KEY,
  last_seq    bigint NOT NULL DEFAULT 0
);

CREATE TABLE account_events (
  account_id  uuid NOT NULL,
  seq         bigint NOT NULL,
  -- The notification id, or the webhook payload's `data.id` (the same for a rental event routed
  -- either way), or the delivery id (`webhook-id`) for events without a `data.id` (task events).
  id          uuid NOT NULL,
  type        text NOT NULL,
  -- The notification object as `pending` shows it / the webhook payload's `data`; the whole
  -- webhook body for events that have no `data` object (task events).
  data        jsonb NOT NULL,
  created_at  timestamptz NOT NULL,
  source      text NOT NULL CHECK (source IN ('notification', 'webhook')),
  -- `rental_request:<rental id>` on a rental_request notification: the bot's webhook
  -- `rental_request` (a second id for the same event) is not added after it.
  dedupe_key  text,
  PRIMARY KEY (account_id, seq),
  UNIQUE (account_id, id)
);
CREATE INDEX account_events_dedupe_idx ON account_events (account_id, dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE INDEX account_events_created_idx ON account_events (created_at);

-- Appends one event to an account's feed, once per (account, id); see the header for the lock.
CREATE FUNCTION account_event_append(
  p_account uuid, p_id uuid, p_type text, p_data jsonb, p_created_at timestamptz, p_source text,
  p_dedupe text, p_skip_if text)
RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_seq bigint;
BEGIN
  INSERT INTO account_event_heads (account_id) VALUES (p_account) ON CONFLICT (account_id) DO NOTHING;
  -- The account's lock, held until this transaction ends (see the header).
  SELECT last_seq INTO v_seq FROM account_event_heads WHERE account_id = p_account FOR UPDATE;
  -- Under the lock (each statement of a VOLATILE function reads a fresh snapshot): a retried or
  -- re-routed event that is already in the feed is not added again, and takes no number.
  IF EXISTS (SELECT 1 FROM account_events WHERE account_id = p_account AND id = p_id)
     OR (p_skip_if IS NOT NULL AND EXISTS (
           SELECT 1 FROM account_events WHERE account_id = p_account AND dedupe_key = p_skip_if)) THEN
    RETURN;
  END IF;
  UPDATE account_event_heads SET last_seq = v_seq + 1 WHERE account_id = p_account;
  INSERT INTO account_events (account_id, seq, id, type, data, created_at, source, dedupe_key)
  VALUES (p_account, v_seq + 1, p_id, p_type, p_data, p_created_at, p_source, p_dedupe);
END
$$;

-- The notification object exactly as `GET /api/agents/me/pending` lists it.
CREATE FUNCTION account_event_notification_data(n notifications)
RETURNS jsonb
LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'id', n.id, 'user_id', n.account_id, 'type', n.type, 'title', n.title, 'body', n.body,
    'link', n.link, 'data', n.data,
    'created_at', to_char(n.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
$$;

CREATE FUNCTION account_events_from_notification()
RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM account_event_append(
    NEW.account_id, NEW.id, NEW.type, account_event_notification_data(NEW), NEW.created_at, 'notification',
    CASE WHEN NEW.type = 'rental_request' THEN 'rental_request:' || coalesce(NEW.data ->> 'rental_id', '') END,
    NULL);
  RETURN NULL;
END
$$;

-- A webhook event: not health checks (probes of the endpoint) nor redeliveries (the same event
-- again). A skipped delivery (no endpoint) is still an event of the account: the feed is how an
-- account without a webhook hears of it.
CREATE FUNCTION account_events_from_delivery()
RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  v_body jsonb;
  v_data jsonb;
  v_id uuid := NEW.id;
BEGIN
  -- Never fail the delivery's own insert: a body jsonb refuses (e.g. a \u0000) stays out of the feed.
  IF NEW.policy = 'health-check' OR NEW.redelivery_of IS NOT NULL OR NOT pg_input_is_valid(NEW.body, 'jsonb') THEN
    RETURN NULL;
  END IF;
  v_body := NEW.body::jsonb;
  v_data := v_body;
  IF jsonb_typeof(v_body -> 'data') = 'object'
     AND (v_body -> 'data' ->> 'id') ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
    v_id := (v_body -> 'data' ->> 'id')::uuid;
    v_data := v_body -> 'data';
  END IF;
  PERFORM account_event_append(
    NEW.account_id, v_id, NEW.event, v_data, NEW.created_at, 'webhook', NULL,
    CASE WHEN NEW.event = 'rental_request'
         THEN 'rental_request:' || coalesce(v_data -> 'data' ->> 'rental_id', '') END);
  RETURN NULL;
END
$$;

CREATE TRIGGER notifications_feed AFTER INSERT ON notifications
  FOR EACH ROW EXECUTE FUNCTION account_events_from_notification();
CREATE TRIGGER webhook_deliveries_feed AFTER INSERT ON webhook_deliveries
  FOR EACH ROW EXECUTE FUNCTION account_events_from_delivery();

-- What was written before this migration, in the order it was written (notifications by time,
-- deliveries by time then their own seq), numbered per account.
WITH old AS (
  SELECT n.account_id, n.id, n.type, account_event_notification_data(n) AS data, n.created_at,
         'notification' AS source,
         CASE WHEN n.type = 'rental_request' THEN 'rental_request:' || coalesce(n.data ->> 'rental_id', '') END AS dedupe_key,
         0::bigint AS tie
    FROM notifications n
  UNION ALL
  SELECT d.account_id,
         CASE WHEN jsonb_typeof(d.b -> 'data') = 'object'
               AND (d.b -> 'data' ->> 'id') ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
              THEN (d.b -> 'data' ->> 'id')::uuid ELSE d.id END,
         d.event,
         CASE WHEN jsonb_typeof(d.b -> 'data') = 'object' THEN d.b -> 'data' ELSE d.b END,
         d.created_at, 'webhook', NULL, d.seq
    FROM (SELECT w.*, CASE WHEN pg_input_is_valid(w.body, 'jsonb') THEN w.body::jsonb END AS b
            FROM webhook_deliveries w) d
   WHERE d.policy <> 'health-check' AND d.redelivery_of IS NULL AND d.b IS NOT NULL
     AND NOT (d.event = 'rental_request' AND EXISTS (
           SELECT 1 FROM notifications n
            WHERE n.account_id = d.account_id AND n.type = 'rental_request'
              AND n.data ->> 'rental_id' = d.b -> 'data' -> 'data' ->> 'rental_id'))
), once AS (
  SELECT DISTINCT ON (account_id, id) * FROM old ORDER BY account_id, id, created_at, tie
)
INSERT INTO account_events (account_id, seq, id, type, data, created_at, source, dedupe_key)
SELECT account_id, row_number() OVER (PARTITION BY account_id ORDER BY created_at, tie, id), id, type, data,
       created_at, source, dedupe_key
  FROM once;
INSERT INTO account_event_heads (account_id, last_seq)
SELECT account_id, max(seq) FROM account_events GROUP BY account_id;

-- Down Migration
DROP TRIGGER webhook_deliveries_feed ON webhook_deliveries;
DROP TRIGGER notifications_feed ON notifications;
DROP FUNCTION account_events_from_delivery();
DROP FUNCTION account_events_from_notification();
DROP FUNCTION account_event_notification_data(notifications);
DROP FUNCTION account_event_append(uuid, uuid, text, jsonb, timestamptz, text, text, text);
DROP TABLE account_events;
DROP TABLE account_event_heads;
