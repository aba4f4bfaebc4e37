/** MCP Streamable HTTP events kept for resumption (db/migrations/8850_mcp_events.sql). */
import type { Db } from './pool';

export interface McpStreamRef {
  streamId: string;
  sessionId: string;
  credentialHash: string;
}

export interface StoredMcpEvent {
  id: string;
  message: unknown;
}

export async function insertMcpEvent(db: Db, stream: McpStreamRef, message: unknown): Promise<string> {
  const r = await db.query<{ id: string }>(
    `INSERT INTO mcp_events (stream_id, session_id, credential_hash, message) VALUES ($1, $2, $3, $4)
     RETURNING id`,
    [stream.streamId, stream.sessionId, stream.credentialHash, JSON.stringify(message)],
  );
  return r.rows[0].id;
}

/** Whether the stream exists and was opened in this session with these credentials. */
export async function mcpStreamBelongsTo(db: Db, stream: McpStreamRef): Promise<boolean> {
  const r = await db.query(
    `SELECT 1 FROM mcp_events WHERE stream_id = $1 AND session_id = $2 AND credential_hash = $3 LIMIT 1`,
    [stream.streamId, stream.sessionId, stream.credentialHash],
  );
  return r.rowCount !== 0;
}

export async function mcpEventsAfter(db: Db, streamId: string, afterId: string): Promise<StoredMcpEvent[]> {
  const r = await db.query<{ id: string; message: unknown }>(
    'SELECT id, message FROM mcp_events WHERE stream_id = $1 AND id > $2 ORDER BY id',
    [streamId, afterId],
  );
  return r.rows;
}

/** Deletes up to `limit` events stored before `before`; returns how many. */
export async function purgeMcpEventsBefore(db: Db, before: Date, limit: number): Promise<number> {
  const r = await db.query(
    `DELETE FROM mcp_events WHERE id IN (SELECT id FROM mcp_events WHERE created_at < $1 ORDER BY id LIMIT $2)`,
    [before, limit],
  );
  return r.rowCount ?? 0;
}
