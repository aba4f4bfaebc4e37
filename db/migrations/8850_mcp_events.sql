-- Up Migration

-- The SSE events of MCP Streamable HTTP requests made within a session (api/mcp/event-store.ts),
-- kept so a client whose stream closed resumes with Last-Event-ID on whichever API process
-- answers. Short-lived: rows older than a few minutes are purged by the API itself.
CREATE TABLE mcp_events (
  id               bigserial PRIMARY KEY,
  stream_id        uuid NOT NULL,
  session_id       text NOT NULL,
  -- sha256 of the credentials the stream's request carried ('' = none): only they may resume it.
  credential_hash  text NOT NULL,
  message          jsonb NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mcp_events_stream_idx ON mcp_events (stream_id, id);
CREATE INDEX mcp_events_created_idx ON mcp_events (created_at);

-- Down Migration
DROP TABLE mcp_events;
