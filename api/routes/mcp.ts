/**
 * The bot API as Model Context Protocol tools (SPEC §5): Streamable HTTP at `/api/v1/mcp`,
 * discovery on GET without credentials, and the older SSE transport for 2024-11-05 clients.
 */
import type { Express, RequestHandler } from 'express';
import { z } from 'zod';
import type { ApiDeps } from '../deps';
import { discoveryHandler } from '../mcp/discovery';
import { anyBodyAsText } from '../mcp/json-body';
import { mcpOriginGuard } from '../mcp/origin-guard';
import { ALL_TOOLS, buildRegistry } from '../mcp/registry';
import { createSseHandlers } from '../mcp/sse';
import {
  acceptsEventStream,
  noStandaloneStream,
  streamableHttpGet,
  streamableHttpPost,
} from '../mcp/streamable-http';
import { errorResponses, errorSchema, jsonResponse, registry as openApi } from '../openapi';

export const MCP_PATHS = {
  endpoint: '/api/v1/mcp',
  sse: '/api/v1/mcp/sse',
  messages: '/api/v1/mcp/messages',
} as const;

const jsonRpcMessage = z.looseObject({
  jsonrpc: z.literal('2.0'),
  id: z.union([z.string(), z.number()]).optional(),
  method: z.string(),
});

const jsonRpcError = z.looseObject({
  jsonrpc: z.literal('2.0'),
  id: z.union([z.string(), z.number(), z.null()]),
  error: z.looseObject({ code: z.number().int(), message: z.string() }),
});

openApi.registerPath({
  method: 'post',
  path: MCP_PATHS.endpoint,
  summary: 'MCP JSON-RPC 2.0 (initialize, tools/list, tools/call); Streamable HTTP, stateless',
  description:
    'Any Content-Type is read as JSON. Plain JSON answers unless Accept lists text/event-stream. ' +
    'Tool calls need X-API-Key or Bearer, except register_agent. initialize answers with an ' +
    'Mcp-Session-Id; sent back, it makes SSE answers resumable (GET with Last-Event-ID). ' +
    'Host and Origin must name this server (docs/MCP.md).',
  request: { body: { content: { 'application/json': { schema: jsonRpcMessage } } } },
  responses: {
    200: jsonResponse('JSON-RPC response (or an SSE stream of it)', z.looseObject({})),
    202: { description: 'notification accepted' },
    400: jsonResponse(
      'unreadable body, JSON-RPC parse error or invalid request',
      z.union([errorSchema, jsonRpcError]),
    ),
    403: jsonResponse(
      'JSON-RPC error: Host or Origin not allowed (mcp_host_not_allowed, mcp_origin_not_allowed in error.data.code)',
      jsonRpcError,
    ),
    404: jsonResponse(
      'JSON-RPC error: unknown or expired Mcp-Session-Id (mcp_session_not_found in error.data.code); initialize again',
      jsonRpcError,
    ),
    406: jsonResponse('JSON-RPC error: unacceptable Accept header', jsonRpcError),
    415: jsonResponse('JSON-RPC error: unsupported Content-Type', jsonRpcError),
  },
});
openApi.registerPath({
  method: 'get',
  path: MCP_PATHS.endpoint,
  summary: 'MCP discovery (no auth): server info, transports and tool list with input schemas',
  responses: { 200: jsonResponse('discovery document', z.looseObject({})), ...errorResponses(403) },
});
openApi.registerPath({
  method: 'get',
  path: MCP_PATHS.sse,
  summary: 'MCP over SSE (2024-11-05 transport): opens the stream, announces the message endpoint',
  responses: {
    200: {
      description: 'the event stream: an `endpoint` event, then JSON-RPC messages',
      content: { 'text/event-stream': { schema: z.string() } },
    },
    ...errorResponses(403),
  },
});
openApi.registerPath({
  method: 'post',
  path: MCP_PATHS.messages,
  summary: 'MCP over SSE: a JSON-RPC message for the session in ?sessionId=',
  request: {
    query: z.object({ sessionId: z.string() }),
    body: { content: { 'application/json': { schema: jsonRpcMessage } } },
  },
  responses: {
    202: { description: 'accepted; the answer arrives on the stream' },
    400: jsonResponse(
      'not JSON (a JSON-RPC parse error) or not a JSON-RPC message',
      z.union([errorSchema, jsonRpcError]),
    ),
    ...errorResponses(403, 404),
  },
});

export function mountMcpRoutes(app: Express, deps: ApiDeps): void {
  const tools = buildRegistry(ALL_TOOLS);
  const rawBody = anyBodyAsText(deps.config.REQUEST_BODY_LIMIT);
  const discovery = discoveryHandler(tools, MCP_PATHS);
  // A GET asking for an event stream resumes a POST's stream (Last-Event-ID), or probes for a
  // standalone stream (we have none); any other GET is discovery.
  const resume = streamableHttpGet(deps);
  const getEndpoint: RequestHandler = (req, res, next) =>
    acceptsEventStream(req) ? resume(req, res, next) : discovery(req, res, next);
  const sse = createSseHandlers(deps, tools, MCP_PATHS.messages);

  // First on every MCP path (the endpoint and everything under it): refusals do no MCP work.
  app.use(MCP_PATHS.endpoint, mcpOriginGuard(deps.config, deps.logger));

  app.post(MCP_PATHS.endpoint, rawBody, streamableHttpPost(deps, tools));
  app.get(MCP_PATHS.endpoint, getEndpoint);
  app.delete(MCP_PATHS.endpoint, noStandaloneStream);
  app.get(MCP_PATHS.sse, sse.openStream);
  app.post(MCP_PATHS.messages, rawBody, sse.postMessage);
}
