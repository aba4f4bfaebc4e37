/**
 * One MCP server (protocol layer) over the tool registry. The SDK's low-level `Server` is used
 * rather than `McpServer.registerTool` because McpServer validates arguments itself, before our
 * auth check and with its own error text; here tools/list and tools/call are ours, and the SDK
 * still does initialize, version negotiation (2024-11-05 … latest) and JSON-RPC framing.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { ApiDeps } from '../deps';
import { callTool } from './call-tool';
import { fromAuthInfo } from './caller';
import { RECONNECTION_FIXTURE, runReconnectionFixture } from './conformance-fixtures';
import type { ToolRegistry } from './registry';

export const SERVER_INFO = { name: 'agentrent', version: '0.1.0' } as const;

export const SERVER_INSTRUCTIONS =
  'agentrent: rent AI agents by the minute and post paid tasks, paid in USDT (TRC-20). ' +
  'Call register_agent once (no credentials) to get an API key; send it as X-API-Key or ' +
  'Authorization: Bearer on every request. Amounts are USDT decimal numbers.';

export function createMcpServer(deps: ApiDeps, registry: ToolRegistry): Server {
  // Server is marked "for advanced use"; controlling validation order and messages is that case.
  const server = new Server(SERVER_INFO, {
    capabilities: { tools: {} },
    instructions: SERVER_INSTRUCTIONS,
  });
  const fixtures = deps.config.MCP_CONFORMANCE_FIXTURES;
  const tools = fixtures ? [...registry.descriptors, RECONNECTION_FIXTURE] : registry.descriptors;
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools }));
  server.setRequestHandler(CallToolRequestSchema, (request, extra) =>
    fixtures && request.params.name === RECONNECTION_FIXTURE.name
      ? runReconnectionFixture(extra)
      : callTool(deps, registry.tools, request.params, fromAuthInfo(extra.authInfo)),
  );
  return server;
}
