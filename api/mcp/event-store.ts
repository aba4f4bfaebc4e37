/**
 * Resumable SSE for Streamable HTTP (MCP 2025-11-25, "Resumability and Redelivery"): within a
 * session, every event of a POST's SSE answer — first an empty "priming" event — is stored in
 * Postgres under an id `<stream>_<n>` before it is written. A client whose stream closed (the
 * network, a proxy, or the server asking it to poll) sends `GET` with `Last-Event-ID` and gets
 * what followed, from whichever API process answers: no session affinity, as before.
 *
 * Only the credentials that opened a stream may resume it (their hash is stored, not them), and
 * rows live a few minutes: a request's answer is due within MCP_REQUEST_DEADLINE_MS anyway.
 */
import type { EventStore } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { isJSONRPCErrorResponse, isJSONRPCResultResponse } from '@modelcontextprotocol/sdk/types.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Response } from 'express';
import {
  insertMcpEvent,
  mcpEventsAfter,
  mcpStreamBelongsTo,
  purgeMcpEventsBefore,
} from '../../db/mcp-events';
import type { ApiDeps } from '../deps';

/** How long stored events stay resumable. */
export const EVENT_RETENTION_MS = 10 * 60_000;
/** The `retry` an SSE answer tells clients to wait before reconnecting, in ms. */
export const RETRY_INTERVAL_MS = 1000;
/** How often a resumed stream looks for events stored by the process running the request. */
const RESUME_POLL_MS = 200;
const PURGE_EVERY_MS = 60_000;
const PURGE_BATCH = 1000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface EventCursor {
  streamId: string;
  /** The row id of the last event the client saw. */
  after: string;
}

/** Reads a Last-Event-ID this store handed out; undefined for anything else. */
export function cursorOf(eventId: string): EventCursor | undefined {
  const [streamId, after, ...rest] = eventId.split('_');
  if (rest.length || !UUID.test(streamId ?? '') || !/^[0-9]{1,18}$/.test(after ?? '')) return undefined;
  return { streamId, after };
}

let lastPurge = 0;
/** Old events go at most once a minute per process, piggybacking on writes (no timer to stop). */
function purgeNowAndThen(deps: ApiDeps): void {
  const now = Date.now();
  if (now - lastPurge < PURGE_EVERY_MS) return;
  lastPurge = now;
  purgeMcpEventsBefore(deps.db, new Date(now - EVENT_RETENTION_MS), PURGE_BATCH).catch((err: unknown) =>
    deps.logger.warn({ err }, 'MCP event purge failed'),
  );
}

/** The SDK's EventStore over mcp_events, for the requests of one session and credential. */
export function pgEventStore(deps: ApiDeps, sessionId: string, credentialHash: string): EventStore {
  return {
    async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
      purgeNowAndThen(deps);
      const id = await insertMcpEvent(deps.db, { streamId, sessionId, credentialHash }, message);
      return `${streamId}_${id}`;
    },
    async getStreamIdForEventId(eventId: string) {
      return cursorOf(eventId)?.streamId;
    },
    // The SDK replays on GET only when it owns the GET; resumeStream below does (it waits for
    // events another process stores). Kept complete for the interface.
    async replayEventsAfter(lastEventId, { send }) {
      const cursor = cursorOf(lastEventId);
      if (!cursor) throw new Error('not an event id of this store');
      for (const event of await mcpEventsAfter(deps.db, cursor.streamId, cursor.after)) {
        await send(`${cursor.streamId}_${event.id}`, event.message as JSONRPCMessage);
      }
      return cursor.streamId;
    },
  };
}

const isAnswer = (message: unknown) => isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Answers a resuming GET: 404 unless the stream was opened in this session with these
 * credentials, else an SSE stream of every event after the cursor, waiting for new ones until an
 * answer went out or `untilMs` passes (then the client reconnects with its new Last-Event-ID).
 */
export async function resumeStream(
  deps: ApiDeps,
  res: Response,
  stream: { cursor: EventCursor; sessionId: string; credentialHash: string },
  untilMs: number,
): Promise<'resumed' | 'unknown_stream'> {
  const { cursor, sessionId, credentialHash } = stream;
  if (!(await mcpStreamBelongsTo(deps.db, { streamId: cursor.streamId, sessionId, credentialHash }))) {
    return 'unknown_stream';
  }
  res.status(200).set({
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache, no-transform',
    'X-Accel-Buffering': 'no',
    'Mcp-Session-Id': sessionId,
  });
  res.flushHeaders();
  let after = cursor.after;
  let answered = false;
  while (!answered && !res.destroyed && Date.now() < untilMs) {
    for (const event of await mcpEventsAfter(deps.db, cursor.streamId, after)) {
      after = event.id;
      // Priming events (empty data) are not sent again: the client has a cursor already.
      if (!isAnswer(event.message) && Object.keys(event.message as object).length === 0) continue;
      res.write(
        `event: message\nid: ${cursor.streamId}_${event.id}\ndata: ${JSON.stringify(event.message)}\n\n`,
      );
      answered ||= isAnswer(event.message);
    }
    if (!answered) await sleep(RESUME_POLL_MS);
  }
  res.write(`retry: ${RETRY_INTERVAL_MS}\n\n`);
  res.end();
  return 'resumed';
}
