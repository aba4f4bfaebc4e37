/**
 * `/api/v1/mcp`, Streamable HTTP. Every POST gets a fresh protocol server and transport, so any API
 * process can answer any request (no session affinity) and every message is authenticated by the
 * credentials sent with it. A client that lists `text/event-stream` in Accept gets the SSE framing
 * the spec prefers; any other client (curl with no Accept header) gets one plain JSON response.
 *
 * Sessions (api/mcp/session.ts) are optional and stateless: `initialize` answers with a signed
 * Mcp-Session-Id; a request that sends one back gets resumable SSE (api/mcp/event-store.ts): a
 * priming event with an id and `retry`, every event stored, and `GET` with `Last-Event-ID` to
 * pick up what followed. A request without one works as before (the seeds' curl examples).
 */
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import {
  isInitializeRequest,
  isJSONRPCErrorResponse,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  SUPPORTED_PROTOCOL_VERSIONS,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import type { Request, RequestHandler, Response } from 'express';
import { credentialOf } from '../auth';
import { remainingMs } from '../deadline';
import type { ApiDeps } from '../deps';
import { errorBody } from '../errors';
import { callerOf, toAuthInfo } from './caller';
import { cursorOf, pgEventStore, resumeStream, RETRY_INTERVAL_MS } from './event-store';
import { jsonBodyOf, sendParseError } from './json-body';
import { lenientInitialize } from './lenient-initialize';
import type { ToolRegistry } from './registry';
import { createMcpServer } from './server';
import { credentialHashOf, type McpSession, negotiatedVersion, newSession, readSession } from './session';

export const acceptsEventStream = (req: Request) => (req.get('accept') ?? '').includes('text/event-stream');

/** Spares a resumed stream's end from racing the request deadline's 504 (api/deadline.ts). */
const RESUME_MARGIN_MS = 500;

/**
 * The SDK transport insists on `Accept: application/json, text/event-stream` and a JSON
 * Content-Type; both are settled above (body parsed, response framing chosen), so the request it
 * sees says so. Only MCP's own headers are forwarded: credentials travel in authInfo instead.
 * Within a session the version negotiated at `initialize` is the one in force: it decides the
 * SSE details (a priming event needs 2025-11-25), whatever older version a header names.
 */
function transportRequestOf(req: Request, session: McpSession | undefined): globalThis.Request {
  const headers = new Headers({
    accept: 'application/json, text/event-stream',
    'content-type': 'application/json',
  });
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith('mcp-') && typeof value === 'string') headers.set(name, value);
  }
  const named = headers.get('mcp-protocol-version');
  if (session && (named === null || SUPPORTED_PROTOCOL_VERSIONS.includes(named))) {
    headers.set('mcp-protocol-version', session.protocolVersion);
  }
  return new Request(new URL(req.originalUrl, 'http://localhost'), { method: 'POST', headers });
}

/** Writes a fetch Response to Express, streaming the body (an SSE response arrives in pieces). */
async function sendResponse(response: globalThis.Response, res: Response): Promise<void> {
  res.status(response.status);
  response.headers.forEach((value, name) => res.setHeader(name, value));
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  res.on('close', () => {
    reader.cancel().catch(() => undefined);
  });
  for (;;) {
    const { done, value } = await reader.read();
    if (done || res.destroyed) break;
    res.write(value);
  }
  res.end();
}

/** JSON-RPC "Session not found" (-32001, the SDK's), with our `{error, code}` in `data`. */
function sendSessionNotFound(res: Response): void {
  const body = errorBody('mcp_session_not_found');
  res.status(404).json({
    jsonrpc: '2.0',
    id: null,
    error: { code: -32001, message: body.error, data: { ...body, status: 404 } },
  });
}

const requestIdsOf = (message: unknown): RequestId[] =>
  (Array.isArray(message) ? message : [message]).filter(isJSONRPCRequest).map((m) => m.id);

/**
 * Resolves once the transport has sent an answer to every request of the POST. A resumable
 * stream may close before that (the client went away, or was asked to poll): the protocol server
 * must live on until the answers are stored for the client's GET.
 */
function answersSent(transport: WebStandardStreamableHTTPServerTransport, message: unknown): Promise<void> {
  const pending = new Set(requestIdsOf(message));
  if (pending.size === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const send = transport.send.bind(transport);
    transport.send = async (msg, options) => {
      try {
        await send(msg, options);
      } finally {
        if (
          (isJSONRPCResultResponse(msg) || isJSONRPCErrorResponse(msg)) &&
          msg.id !== undefined &&
          pending.delete(msg.id)
        ) {
          if (pending.size === 0) resolve();
        }
      }
    };
  });
}

export function streamableHttpPost(deps: ApiDeps, registry: ToolRegistry): RequestHandler {
  const secret = deps.config.JWT_SECRET;
  return async (req, res) => {
    const body = jsonBodyOf(req);
    if (!body.ok) return sendParseError(res);
    const message = lenientInitialize(body.value);
    const initialize = isInitializeRequest(message) ? message : undefined;
    const sessionHeader = req.get('mcp-session-id');
    let session: McpSession | undefined;
    if (initialize) session = newSession(secret, negotiatedVersion(initialize.params.protocolVersion));
    else if (sessionHeader !== undefined) {
      session = readSession(secret, sessionHeader);
      if (!session) return sendSessionNotFound(res);
    }
    const sse = acceptsEventStream(req);
    const eventStore =
      session && sse ? pgEventStore(deps, session.id, credentialHashOf(credentialOf(req))) : undefined;
    const server = createMcpServer(deps, registry);
    const transport = new WebStandardStreamableHTTPServerTransport({
      // Set only on initialize: the SDK then puts the id in the answer's Mcp-Session-Id header.
      // Later requests are checked above (the SDK could only check against its own memory).
      sessionIdGenerator: initialize && session ? () => session.id : undefined,
      enableJsonResponse: !sse,
      eventStore,
      retryInterval: RETRY_INTERVAL_MS,
    });
    const deadlineAt = Date.now() + Math.min(remainingMs(), deps.config.MCP_REQUEST_DEADLINE_MS);
    const answered = eventStore ? answersSent(transport, message) : undefined;
    // A client that hangs up ends the request: close the protocol server, stop waiting for answers.
    // A resumable request keeps it until its answers are stored (bounded by the deadline).
    const hungUp = new Promise<undefined>((resolve) =>
      res.on('close', () => {
        const stored = answered
          ? Promise.race([answered, new Promise((r) => setTimeout(r, Math.max(0, deadlineAt - Date.now())))])
          : Promise.resolve();
        void stored.then(() => server.close().catch(() => undefined));
        resolve(undefined);
      }),
    );
    await server.connect(transport);
    const response = await Promise.race([
      transport.handleRequest(transportRequestOf(req, session), {
        parsedBody: message,
        authInfo: toAuthInfo(callerOf(req)),
      }),
      hungUp,
    ]);
    // The request deadline may have answered 504 already (api/deadline.ts).
    if (!response || res.headersSent) return;
    await sendResponse(response, res);
  };
}

/** Streamable HTTP has no server-initiated stream here: 405 to a GET for one, and to DELETE. */
export const noStandaloneStream: RequestHandler = (_req, res) => {
  res
    .status(405)
    .setHeader('Allow', 'POST')
    .json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null });
};

/**
 * `GET` with `Last-Event-ID` (and the session's Mcp-Session-Id): resumes a POST's SSE answer.
 * Without them it is a request for a standalone stream, which this server does not offer (405).
 */
export function streamableHttpGet(deps: ApiDeps): RequestHandler {
  const secret = deps.config.JWT_SECRET;
  return async (req, res, next) => {
    const lastEventId = req.get('last-event-id');
    const sessionHeader = req.get('mcp-session-id');
    if (lastEventId === undefined || sessionHeader === undefined) return noStandaloneStream(req, res, next);
    const session = readSession(secret, sessionHeader);
    const cursor = cursorOf(lastEventId);
    if (!session || !cursor) return sendSessionNotFound(res);
    const untilMs =
      Date.now() + Math.min(remainingMs(), deps.config.MCP_REQUEST_DEADLINE_MS) - RESUME_MARGIN_MS;
    const credentialHash = credentialHashOf(credentialOf(req));
    const outcome = await resumeStream(deps, res, { cursor, sessionId: session.id, credentialHash }, untilMs);
    if (outcome === 'unknown_stream') sendSessionNotFound(res);
  };
}
