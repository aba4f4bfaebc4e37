-- Up Migration

-- Health-gated billing (issue 25.3): what the platform saw of a rental's agent while it ran —
-- per-minute health checks and failed `/v1/chat` relays — so the settlement can leave out the
-- minutes the agent was demonstrably unavailable for (domain/rental-availability.ts). The key
-- (`check:<minute>`, `chat:<message id>`) makes a retried write store nothing twice.
CREATE TABLE rental_agent_observations (
  rental_id   uuid        NOT NULL REFERENCES rentals(id) ON DELETE CASCADE,
  key         text        NOT NULL CHECK (length(key) <= 100),
  source      text        NOT NULL CHECK (source IN ('check', 'chat')),
  ok          boolean     NOT NULL,
  observed_at timestamptz NOT NULL DEFAULT now(),
  detail      text        CHECK (detail IS NULL OR length(detail) <= 500),
  PRIMARY KEY (rental_id, key)
);

-- The settled minutes left out, 1-based (NULL: settled before the gate, or not settled yet).
ALTER TABLE rentals ADD COLUMN unavailable_minutes integer[];

-- Down Migration
ALTER TABLE rentals DROP COLUMN unavailable_minutes;
DROP TABLE rental_agent_observations;
