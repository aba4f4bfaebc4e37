/**
 * The older HTTP+SSE transport (protocol 2024-11-05): `GET /api/v1/mcp/sse` opens the stream and
 * announces `POST /api/v1/mcp/messages?sessionId=…` for the client's messages; answers travel on
 * the stream. Sessions live in this process's memory, so behind several API processes an SSE
 * client needs sticky routing (Streamable HTTP, being stateless, does not).
 */
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import type { RequestHandler } from 'express';
import { credentialOf } from '../auth';
import type { ApiDeps } from '../deps';
import { callerOf, toAuthInfo } from './caller';
import { jsonBodyOf, sendParseError } from './json-body';
import { lenientInitialize } from './lenient-initialize';
import type { ToolRegistry } from './registry';
import { createMcpServer } from './server';

/** Proxies drop idle streams; an SSE comment line every so often keeps the connection open. */
const KEEP_ALIVE_MS = 25_000;

/** Streams may be opened without credentials (for register_agent): bound what one process holds. */
export const MAX_SSE_SESSIONS = 1000;

interface SseSession {
  transport: SSEServerTransport;
  /** Credentials sent when the stream was opened: used for messages that carry none. */
  credential?: string;
}

export function createSseHandlers(
  deps: ApiDeps,
  registry: ToolRegistry,
  messagesPath: string,
): { openStream: RequestHandler; postMessage: RequestHandler } {
  const sessions = new Map<string, SseSession>();

  const openStream: RequestHandler = async (req, res) => {
    if (sessions.size >= MAX_SSE_SESSIONS) {
      res.setHeader('Retry-After', '5');
      res.status(503).json({ error: 'too many open MCP SSE sessions, retry later or use POST /api/v1/mcp' });
      return;
    }
    const transport = new SSEServerTransport(messagesPath, res);
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), KEEP_ALIVE_MS).unref();
    // Set before connect(): the protocol layer chains its own cleanup after this one.
    transport.onclose = () => {
      clearInterval(keepAlive);
      sessions.delete(transport.sessionId);
    };
    sessions.set(transport.sessionId, { transport, credential: credentialOf(req) });
    await createMcpServer(deps, registry).connect(transport);
  };

  const postMessage: RequestHandler = async (req, res) => {
    const sessionId = typeof req.query.sessionId === 'string' ? req.query.sessionId : '';
    const session = sessions.get(sessionId);
    if (!session) {
      res.status(404).json({ error: 'unknown or closed MCP session: open GET /api/v1/mcp/sse again' });
      return;
    }
    const body = jsonBodyOf(req);
    if (!body.ok) return sendParseError(res);
    try {
      await session.transport.handleMessage(lenientInitialize(body.value), {
        authInfo: toAuthInfo(callerOf(req, session.credential)),
        requestInfo: { headers: {} },
      });
    } catch {
      res.status(400).json({ error: 'not a JSON-RPC 2.0 message' });
      return;
    }
    // As the SDK's handlePostMessage: the answer goes out on the stream.
    res.status(202).type('text/plain').send('Accepted');
  };

  return { openStream, postMessage };
}
