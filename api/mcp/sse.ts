/**
 * The older HTTP+SSE transport (protocol 2024-11-05): `GET /api/v1/mcp/sse` opens the stream and
 * announces `POST /api/v1/mcp/messages?sessionId=…` for the client's messages; answers travel on
 * the stream. Sessions live in this process's memory, so behind several API processes an SSE
 * client needs sticky routing (Streamable HTTP, being stateless, does not).
 *
 * A session belongs to the principal that opened it (or to nobody, when opened without
 * credentials). A message whose credentials name anyone else gets the same 404 as an unknown
 * session, so a leaked session id neither acts as its owner for another caller nor confirms it
 * exists. Session ids are bearer capabilities for credential-less messages: logs redact them
 * (worker/logger.ts redactUrl).
 */
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import type { Request, RequestHandler } from 'express';
import { credentialOf, resolveCountedPrincipal, resolvePrincipal } from '../auth';
import { clientIp } from '../rate-limit';
import { appError } from '../../domain/errors';
import { errorBody } from '../errors';
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
  /** Account that opened the stream; undefined = opened without credentials. */
  owner?: string;
}

const UNKNOWN_SESSION = errorBody('mcp_unknown_session');

export function createSseHandlers(
  deps: ApiDeps,
  registry: ToolRegistry,
  messagesPath: string,
): { openStream: RequestHandler; postMessage: RequestHandler } {
  const sessions = new Map<string, SseSession>();

  const openStream: RequestHandler = async (req, res) => {
    if (sessions.size >= MAX_SSE_SESSIONS) {
      res.setHeader('Retry-After', '5');
      res.status(503).json(errorBody('mcp_too_many_sessions'));
      return;
    }
    const credential = credentialOf(req);
    const owner = credential
      ? (await resolveCountedPrincipal(deps, credential, clientIp(req)))?.accountId
      : undefined;
    // Credentials that name nobody cannot own a session.
    if (credential && !owner) throw appError('invalid_credentials');
    const transport = new SSEServerTransport(messagesPath, res);
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), KEEP_ALIVE_MS).unref();
    // Set before connect(): the protocol layer chains its own cleanup after this one.
    transport.onclose = () => {
      clearInterval(keepAlive);
      sessions.delete(transport.sessionId);
    };
    sessions.set(transport.sessionId, { transport, credential, owner });
    await createMcpServer(deps, registry).connect(transport);
  };

  /** Without credentials a message speaks as the opener; with them they must name the opener. */
  const postedByOwner = async (req: Request, session: SseSession): Promise<boolean> => {
    const credential = credentialOf(req);
    if (!credential) return true;
    const principal = await resolvePrincipal(deps, credential);
    return principal !== undefined && principal.accountId === session.owner;
  };

  const postMessage: RequestHandler = async (req, res) => {
    const sessionId = typeof req.query.sessionId === 'string' ? req.query.sessionId : '';
    const session = sessions.get(sessionId);
    if (!session || !(await postedByOwner(req, session))) {
      res.status(404).json(UNKNOWN_SESSION);
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
      res.status(400).json(errorBody('not_json_rpc'));
      return;
    }
    // As the SDK's handlePostMessage: the answer goes out on the stream.
    res.status(202).type('text/plain').send('Accepted');
  };

  return { openStream, postMessage };
}
